import pg from 'pg';
import { DataSource } from 'typeorm';
import {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryQueueRepository,
} from '../../src/webhooks/deliveries/delivery-queue.repository.js';
import { DeliverySettler } from '../../src/webhooks/deliveries/delivery-settler.js';
import { INSTANCE_ID } from '../../src/webhooks/deliveries/instance-id.js';
import { SuccessBatcher } from '../../src/webhooks/deliveries/success-batcher.js';
import { Receiver } from '../support/receiver.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from './helpers.js';

interface Row {
  status: string;
  attempt_count: number;
  locked_by: string | null;
  lease: string | null;
  due: boolean;
  attempts: number;
}

async function rowOf(db: pg.Client, id: string): Promise<Row> {
  const { rows } = await db.query(
    `SELECT d.status, d.attempt_count, l.locked_by, l.locked_until::text AS lease, d.next_attempt_at <= now() AS due,
       (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = $1) AS attempts
     FROM webhook_deliveries d LEFT JOIN webhook_delivery_leases l ON l.delivery_id = d.id WHERE d.id = $1`,
    [id],
  );
  return rows[0] as Row;
}

/**
 * Deliveries run on the jobs layer's worker engine and keep its lease rules: a result is
 * written only while the lease that produced it is still the delivery's lease, and shutdown
 * gives back what did not finish within the drain time.
 */
describe('Webhook delivery leases on the worker engine', () => {
  describe('settling', () => {
    let t: TestApp;
    let db: pg.Client;

    beforeAll(async () => {
      t = await startTestApp({ env: FAST_WEBHOOKS });
      db = new pg.Client({ connectionString: t.databaseUrl });
      await db.connect();
    });
    afterAll(async () => {
      await db.end();
      await t.close();
    });

    /**
     * A delivery this instance claimed whose lease then expired and was claimed again, here
     * by this same instance: the case the owner's name alone cannot tell apart.
     */
    async function reclaimed(): Promise<{ stale: ClaimedDelivery; current: ClaimedDelivery }> {
      // Disabled, so the app's own worker never claims the row.
      const { id: endpointId } = await createEndpoint(t, {
        url: 'http://127.0.0.1:9/never-called',
        eventTypes: ['lease.never'],
        enabled: false,
      });
      const { rows } = await db.query(
        `WITH d AS (
           INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
           VALUES ($1, 'lease.test', '{}') RETURNING id, endpoint_id
         ), l AS (
           INSERT INTO webhook_delivery_leases (delivery_id, endpoint_id, locked_by, locked_until)
           SELECT id, endpoint_id, $2, now() + interval '1 minute' FROM d
         )
         SELECT id FROM d`,
        [endpointId, INSTANCE_ID],
      );
      const repo = t.app.get(DeliveryQueueRepository);
      const m = t.app.get(DataSource).manager;
      const stale = await repo.loadClaimed(m, rows[0].id as string);
      await db.query(
        `UPDATE webhook_delivery_leases SET locked_until = now() + interval '2 minutes' WHERE delivery_id = $1`,
        [stale.id],
      );
      const current = await repo.loadClaimed(m, stale.id);
      expect(current.lease).not.toBe(stale.lease);
      return { stale, current };
    }

    const attempt = (d: ClaimedDelivery, statusCode: number): AttemptRecord => ({
      deliveryId: d.id,
      endpointId: d.endpointId,
      attemptNumber: 1,
      startedAt: new Date(),
      durationMs: 2,
      statusCode,
      responseHeaders: {},
      responseBody: null,
      error: statusCode >= 300 ? `receiver answered ${statusCode}` : null,
      instanceId: INSTANCE_ID,
    });

    it('refuses a failure settle after the lease was lost, and applies the current one', async () => {
      const { stale, current } = await reclaimed();
      const settler = t.app.get(DeliverySettler);
      await settler.settle(stale, { record: attempt(stale, 500) });
      expect(await rowOf(db, stale.id)).toMatchObject({
        status: 'pending',
        attempt_count: 0,
        lease: current.lease,
      });
      await settler.settle(current, { record: attempt(current, 500) });
      expect(await rowOf(db, stale.id)).toMatchObject({
        status: 'pending',
        attempt_count: 1,
        locked_by: null,
      });
    });

    it('refuses a batched success settle after the lease was lost, and applies the current one', async () => {
      const { stale, current } = await reclaimed();
      const batcher = t.app.get(SuccessBatcher);
      await batcher.settle(attempt(stale, 200), stale.lease);
      expect(await rowOf(db, stale.id)).toMatchObject({
        status: 'pending',
        attempt_count: 0,
        lease: current.lease,
      });
      await batcher.settle(attempt(current, 200), current.lease);
      expect(await rowOf(db, stale.id)).toMatchObject({ status: 'succeeded', attempt_count: 1 });
    });

    it('records the attempt but leaves the delivery alone once it is no longer pending', async () => {
      // The other holder of an expired lease settled it meanwhile (here: as succeeded).
      const { current } = await reclaimed();
      await db.query(
        `UPDATE webhook_deliveries SET status = 'succeeded', completed_at = now() WHERE id = $1`,
        [current.id],
      );
      await t.app.get(DeliverySettler).settle(current, { record: attempt(current, 500) });
      expect(await rowOf(db, current.id)).toMatchObject({
        status: 'succeeded',
        attempt_count: 0,
        lease: null,
        attempts: 1,
      });
    });

    it('refuses to give back a delivery under a lost lease', async () => {
      const { stale, current } = await reclaimed();
      const repo = t.app.get(DeliveryQueueRepository);
      const m = t.app.get(DataSource).manager;
      expect(await repo.release(m, stale, INSTANCE_ID, 0)).toBe(false);
      expect((await rowOf(db, stale.id)).lease).toBe(current.lease);
      expect(await repo.release(m, current, INSTANCE_ID, 0)).toBe(true);
      expect(await rowOf(db, stale.id)).toMatchObject({ lease: null, locked_by: null, due: true });
    });
  });

  it('gives back a delivery still in flight when the shutdown drain time is up', async () => {
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    const receiver = await Receiver.start(async (_req, res) => {
      await held;
      res.end('late');
    });
    // Drain is 60% of SHUTDOWN_TIMEOUT_MS (300 ms), well inside the 10 s request timeout.
    const t = await startTestApp({
      env: { ...FAST_WEBHOOKS, WEBHOOK_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '500' },
    });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { id: endpointId } = await createEndpoint(t, {
        url: receiver.url,
        eventTypes: ['lease.drain'],
      });
      await publish(t, { type: 'lease.drain', source: 'lease', data: {} });
      await waitFor(() => receiver.requests.length === 1, 10000, 'the request in flight');
      const {
        rows: [{ id }],
      } = await db.query(`SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, [endpointId]);
      expect((await rowOf(db, id as string)).locked_by).toBe(INSTANCE_ID);
      const startedClose = Date.now();
      await t.close();
      expect(Date.now() - startedClose).toBeLessThan(5000);
      // Back in the queue at once for another instance: no lease, due now, no attempt counted.
      expect(await rowOf(db, id as string)).toMatchObject({
        status: 'pending',
        attempt_count: 0,
        locked_by: null,
        lease: null,
        due: true,
      });
    } finally {
      answer();
      await db.end();
      await receiver.close();
    }
  });
});
