import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import type { AttemptRecord } from '../../src/webhooks/deliveries/delivery-queue.repository.js';
import { INSTANCE_ID } from '../../src/webhooks/deliveries/instance-id.js';
import { SuccessBatcher } from '../../src/webhooks/deliveries/success-batcher.js';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, publish } from './helpers.js';

describe('Hostile receivers cannot stall anyone else’s deliveries', () => {
  let t: TestApp;
  const receivers = new ReceiverPool();
  const receiver = receivers.start;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await receivers.closeAll();
  });

  const attemptsOf = async (deliveryId: string) =>
    (
      await request(t.url)
        .get(`/webhooks/deliveries/${deliveryId}`)
        .set(bearer(t.adminToken))
        .expect(200)
    ).body.attempts as { statusCode: number | null; responseBody: string | null }[];

  it('settles a 200 whose body holds a NUL byte, and its neighbours in the same batch', async () => {
    const nul = await receiver((_req, res) => void res.end('ok\0done'));
    const healthy = await receiver();
    const a = await createEndpoint(t, { url: nul.url, eventTypes: ['hostile.nul'] });
    const b = await createEndpoint(t, { url: healthy.url, eventTypes: ['hostile.nul'] });
    await publish(t, [
      { type: 'hostile.nul', source: 'test', data: { n: 1 } },
      { type: 'hostile.nul', source: 'test', data: { n: 2 } },
    ]);
    for (const endpoint of [a, b]) {
      await waitFor(
        async () => {
          const ds = await deliveriesOf(t, endpoint.id);
          return ds.length === 2 && ds.every((d) => d.status === 'succeeded');
        },
        10000,
        `both deliveries of ${endpoint.id} succeeded`,
      );
      for (const d of await deliveriesOf(t, endpoint.id)) expect(d.attemptCount).toBe(1);
    }
    expect(nul.requests).toHaveLength(2);
    expect(healthy.requests).toHaveLength(2);
    const [delivery] = await deliveriesOf(t, a.id);
    const [attempt] = await attemptsOf(delivery.id);
    expect(attempt.responseBody).toBe('ok\uFFFDdone');
  });

  it('records the attempt of a 500 whose body holds a NUL byte', async () => {
    const nul = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('boom\0boom');
    });
    const e = await createEndpoint(t, { url: nul.url, eventTypes: ['hostile.fail'] });
    await publish(t, { type: 'hostile.fail', source: 'test', data: {} });
    await waitFor(
      async () => (await deliveriesOf(t, e.id))[0]?.attemptCount >= 1,
      10000,
      'the failed attempt recorded',
    );
    const [delivery] = await deliveriesOf(t, e.id);
    const [attempt] = await attemptsOf(delivery.id);
    expect(attempt).toMatchObject({ statusCode: 500, responseBody: 'boom\uFFFDboom' });
  });

  it('settles the good rows of a success batch when the database refuses one of them', async () => {
    const { id: endpointId } = await createEndpoint(t, {
      url: 'http://127.0.0.1:9/never-called',
      eventTypes: ['hostile.never'],
      enabled: false,
    });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const {
        rows: [row],
      } = await db.query(
        `WITH d AS (
           INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
           VALUES ($1, 'hostile.batch', '{}') RETURNING id, endpoint_id
         )
         INSERT INTO webhook_delivery_leases (delivery_id, endpoint_id, locked_by, locked_until)
         SELECT id, endpoint_id, $2, now() + interval '1 hour' FROM d
         RETURNING delivery_id AS id, locked_until::text AS lease`,
        [endpointId, INSTANCE_ID],
      );
      const attempt = (deliveryId: string): AttemptRecord => ({
        deliveryId,
        endpointId,
        attemptNumber: 1,
        startedAt: new Date(),
        durationMs: 3,
        statusCode: 200,
        responseHeaders: {},
        responseBody: 'ok',
        error: null,
        instanceId: INSTANCE_ID,
      });
      const batcher = t.app.get(SuccessBatcher);
      // Same tick, so both go into one batch; the second has an attempt number past the
      // column's integer range, which the database refuses.
      const [good, bad] = await Promise.allSettled([
        batcher.settle(attempt(row.id), row.lease),
        batcher.settle({ ...attempt(randomUUID()), attemptNumber: 2 ** 31 }, row.lease),
      ]);
      expect(good.status).toBe('fulfilled');
      expect(bad.status).toBe('rejected');
      const { rows } = await db.query(
        `SELECT status, attempt_count, (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = $1) AS attempts
         FROM webhook_deliveries WHERE id = $1`,
        [row.id],
      );
      expect(rows[0]).toEqual({ status: 'succeeded', attempt_count: 1, attempts: 1 });
    } finally {
      await db.end();
    }
  });
});
