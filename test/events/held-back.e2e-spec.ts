import pg from 'pg';
import { EventConsumersService } from '../../src/events/consumers/event-consumers.service.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';

/**
 * An event committed while an older transaction is open is held back (the consumer's
 * watermark) until that transaction ends. An unrelated transaction ends with no NOTIFY, so
 * the consumer re-checks on a short timer of its own, not at the next poll (a minute here).
 */
describe('Events held back by an unrelated open transaction', () => {
  let t: TestApp;
  let holder: pg.Client;
  const seen: string[] = [];
  const CONSUMER = 'test.held-back';

  beforeAll(async () => {
    t = await startTestApp({ env: { EVENT_CONSUMER_POLL_MS: '60000' } });
    await t.app.get(EventConsumersService).registerConsumer(
      { name: CONSUMER, types: ['held.back'] },
      {
        async handle(events: HubEvent[]) {
          seen.push(...events.map((e) => e.id));
        },
      },
    );
    holder = new pg.Client({ connectionString: t.databaseUrl });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.close();
  });

  /** Re-checks in a row that found events held back (the loop's own count, read as is). */
  const heldBackChecks = () =>
    (
      t.app.get(EventConsumersService) as unknown as {
        loops: Map<string, { heldBack: number }>;
      }
    ).loops.get(CONSUMER)!.heldBack;

  it('are consumed soon after that transaction ends, with no NOTIFY and long before the poll', async () => {
    // An open transaction with an id, older than the event's.
    await holder.query('BEGIN');
    await holder.query('SELECT pg_current_xact_id()');
    const [id] = await t.app.get(EventBus).publish({ type: 'held.back', source: 'test', data: {} });
    // The publish's NOTIFY woke the consumer, which found the event held back, and keeps
    // re-checking while the transaction stays open.
    await waitFor(() => heldBackChecks() >= 2, 15_000, 'the consumer to find the event held back');
    expect(seen).toEqual([]);
    await holder.query('COMMIT');
    await waitFor(() => seen.includes(id), 15_000, 'the held-back event to be consumed');
    expect(heldBackChecks()).toBe(0);
  });
});
