import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EventConsumersService } from '../../src/events/consumers/event-consumers.service.js';
import { EventBus } from '../../src/events/event-bus.js';
import { HUB_EVENTS } from '../../src/events/event-map.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metric(t: TestApp, sample: RegExp): Promise<number | undefined> {
  const text = (await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200)).text;
  const m = sample.exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('The bus contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { EVENT_CONSUMER_SLOW_BATCH_MS: '100' } });
  });
  afterAll(() => t.close());

  it('filters by type and origin in SQL, and moves the cursor past what it skipped', async () => {
    const seen: HubEvent[] = [];
    await t.app.get(EventConsumersService).registerConsumer(
      {
        name: 'test.filtered',
        types: ['contract.wanted.*', 'contract.exact'],
        ignoreOrigins: ['contract-loop'],
      },
      { handle: async (events) => void seen.push(...events) },
    );
    const bus = t.app.get(EventBus);
    const ids = await bus.publish([
      { type: 'contract.wanted.one', source: 'test', data: { n: 1 } },
      { type: 'contract.other', source: 'test', data: { n: 2 } },
      { type: 'contract.exact', source: 'test', data: { n: 3 } },
      { type: 'contract.wanted.two', source: 'test', origin: 'contract-loop', data: { n: 4 } },
      { type: 'contract.exactly-not', source: 'test', data: { n: 5 } },
    ]);
    // Only unwanted events after the last wanted one: the cursor must still reach them.
    const tail = await bus.publish({ type: 'contract.ignored', source: 'test' });
    await waitFor(
      async () => {
        const res = await request(t.url).get('/events/consumers').set(bearer(t.adminToken));
        const c = res.body.find((x: { name: string }) => x.name === 'test.filtered');
        return c?.lag === 0 && c;
      },
      10000,
      'the filtered consumer caught up to the last event',
    );
    expect(seen.map((e) => e.data.n)).toEqual([1, 3]);
    expect(seen.map((e) => e.id)).toEqual([ids[0], ids[2]]);
    expect(tail).toHaveLength(1);
  });

  it('logs and measures a batch that holds its transaction open too long', async () => {
    await t.app
      .get(EventConsumersService)
      .registerConsumer(
        { name: 'test.slow', types: ['contract.slow'] },
        { handle: async () => void (await sleep(250)) },
      );
    await t.app.get(EventBus).publish({ type: 'contract.slow', source: 'test' });
    await waitFor(
      () => t.logs.find((l) => l.includes('Consumer:test.slow') && l.includes('took')),
      10000,
      'the slow-batch warning',
    );
    const count = await metric(
      t,
      /^hub_event_consumer_batch_seconds_count\{consumer="test\.slow"\} (\d+)/m,
    );
    expect(count).toBeGreaterThanOrEqual(1);
  });

  it('reports the age of the oldest open transaction, the one holding back every watermark', async () => {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await sleep(1200);
      const age = await metric(t, /^hub_oldest_open_transaction_seconds (\S+)/m);
      expect(age).toBeGreaterThanOrEqual(1);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('ends app sessions left idle inside a transaction (idle_in_transaction_session_timeout)', async () => {
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT current_setting('idle_in_transaction_session_timeout') AS v`);
    expect(row.v).toBe('1min');
  });

  it('types the hub’s own events: emit checks the data against the event map', async () => {
    const id = await t.app.get(EventBus).emit({
      type: HUB_EVENTS.webhookEndpointDisabled,
      source: 'test',
      data: { endpointId: 'e', url: 'http://127.0.0.1:9/', reason: 'test' },
    });
    const res = await request(t.url)
      .get('/events')
      .query({ type: 'webhook.endpoint.disabled' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(res.body.data.map((e: { id: string }) => e.id)).toContain(id);
  });
});
