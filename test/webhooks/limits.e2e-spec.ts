import pg from 'pg';
import { StorageMaintenanceJob } from '../../src/storage/maintenance.job.js';
import { Receiver } from '../support/receiver.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, publish } from './helpers.js';

const events = (type: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ type, source: 'limits', data: { i } }));

describe('Webhook limits and retention', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...FAST_WEBHOOKS,
        WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '3',
        WEBHOOK_RETENTION_DAYS: '30',
      },
    });
  });
  afterAll(() => t.close());
  afterEach(() => receiver?.close());

  it('keeps at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT requests open to one endpoint', async () => {
    let open = 0;
    let most = 0;
    receiver = await Receiver.start(async (_req, res) => {
      most = Math.max(most, ++open);
      await new Promise((r) => setTimeout(r, 150));
      open--;
      res.end('ok');
    });
    await createEndpoint(t, { url: receiver.url, eventTypes: ['limits.concurrency'] });
    await publish(t, events('limits.concurrency', 12));
    await waitFor(() => receiver.requests.length >= 12, 15000, '12 deliveries');
    expect(most).toBe(3); // parallel, but never more than the limit
  });

  it('honours rateLimitPerSecond: a burst is spread out, nothing is dropped', async () => {
    receiver = await Receiver.start();
    await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['limits.rate'],
      rateLimitPerSecond: 5,
    });
    const started = Date.now();
    await publish(t, events('limits.rate', 15));
    await waitFor(() => receiver.requests.length >= 15, 15000, '15 deliveries');
    // A full bucket of 5 goes at once, the other 10 follow at 5/s (one per ~200 ms).
    const at = receiver.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(at[14] - started).toBeGreaterThanOrEqual(1500);
    expect(at[14] - at[5]).toBeGreaterThanOrEqual(1400);
    expect(new Set(receiver.ids()).size).toBe(15);
  });

  it('prunes succeeded deliveries and attempts past retention, and keeps failed deliveries', async () => {
    receiver = await Receiver.start((_req, res, i) => {
      res.statusCode = i === 0 ? 200 : 500;
      res.end();
    });
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['limits.retention'] });
    await publish(t, events('limits.retention', 2));
    await waitFor(
      async () => {
        const ds = await deliveriesOf(t, ep.id);
        return ds.length === 2 && ds.every((d) => d.status !== 'pending');
      },
      15000,
      'one delivered, one failed',
    );
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `UPDATE webhook_deliveries SET completed_at = now() - interval '40 days' WHERE endpoint_id = $1`,
        [ep.id],
      );
      await db.query(
        `UPDATE webhook_attempts SET started_at = now() - interval '40 days' WHERE endpoint_id = $1`,
        [ep.id],
      );
      const pruned = await t.app.get(StorageMaintenanceJob).prune();
      const removed = (table: string) => pruned.find((p) => p.table === table)?.rowsRemoved;
      expect(removed('webhook_deliveries')).toBeGreaterThan(0);
      expect(removed('webhook_attempts')).toBeGreaterThan(0);
      const left = await db.query(`SELECT status FROM webhook_deliveries WHERE endpoint_id = $1`, [
        ep.id,
      ]);
      expect(left.rows.map((r) => r.status)).toEqual(['failed']);
      const attempts = await db.query(
        `SELECT count(*)::int AS n FROM webhook_attempts WHERE endpoint_id = $1`,
        [ep.id],
      );
      expect(attempts.rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });
});
