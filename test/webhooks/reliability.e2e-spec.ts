import request from 'supertest';
import pg from 'pg';
import { Receiver } from '../support/receiver.js';
import { ChildApp, spawnApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor, waitForIdle } from '../support/test-app.js';

const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
const ENV = {
  ADMIN_TOKEN,
  JWT_SECRET: 'reliability-jwt-secret-0123456789abcdef',
  SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
  OUTBOUND_ALLOW_PRIVATE: 'true',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s,1s',
  WEBHOOK_POLL_MS: '100',
  EVENT_CONSUMER_POLL_MS: '200',
};
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function start(databaseUrl: string): Promise<{ app: ChildApp; url: string }> {
  const app = spawnApp({ ...ENV, DATABASE_URL: databaseUrl });
  return { app, url: await app.ready };
}

async function stop(app: ChildApp): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  app.process.kill('SIGTERM');
  await app.exited;
}

async function publishNumbered(url: string, count: number, type: string): Promise<void> {
  for (let from = 0; from < count; from += 500) {
    const batch = Array.from({ length: Math.min(500, count - from) }, (_, k) => ({
      type,
      source: 'reliability',
      data: { n: from + k },
    }));
    await request(url).post('/events').set(auth).send(batch).expect(202);
  }
}

const numberOf = (body: string) => (JSON.parse(body) as { data: { n: number } }).data.n;

describe('Webhook reliability with real processes', () => {
  it('loses no delivery when the app is SIGKILLed mid-flight and restarted', async () => {
    const databaseUrl = await createSuiteDatabase();
    const receiver = await Receiver.start((_req, res) => void setTimeout(() => res.end('ok'), 50));
    const first = await start(databaseUrl);
    try {
      await request(first.url)
        .post('/webhooks/endpoints')
        .set(auth)
        .send({ url: receiver.url, eventTypes: ['crash.*'] })
        .expect(201);
      await publishNumbered(first.url, 300, 'crash.test');
      await waitFor(
        () => receiver.requests.length >= 20,
        20000,
        'some deliveries before the crash',
      );
      first.app.process.kill('SIGKILL');
      await first.app.exited;
      const beforeRestart = new Set(receiver.requests.map((r) => numberOf(r.body)));
      expect(beforeRestart.size).toBeLessThan(300);

      const second = await start(databaseUrl);
      try {
        await waitFor(
          () => new Set(receiver.requests.map((r) => numberOf(r.body))).size === 300,
          40000,
          'every event delivered after the restart',
        );
        // Duplicates are allowed only for attempts that were in flight at the kill: same webhook-id, bounded by the in-flight limit.
        const perId = new Map<string, number>();
        for (const id of receiver.ids()) perId.set(id, (perId.get(id) ?? 0) + 1);
        const duplicated = [...perId.values()].filter((n) => n > 1).length;
        expect(perId.size).toBe(300);
        expect(duplicated).toBeLessThanOrEqual(50);
        await waitFor(
          async () =>
            (
              await request(second.url)
                .get('/webhooks/deliveries')
                .query({ status: 'pending' })
                .set(auth)
            ).body.data.length === 0,
          10000,
          'queue drained',
        );
      } finally {
        await stop(second.app);
      }
    } finally {
      await stop(first.app);
      await receiver.close();
    }
  });

  it('delivers 1,000 events to 5 endpoints from two instances, each delivery sent once', async () => {
    const databaseUrl = await createSuiteDatabase();
    const receiver = await Receiver.start();
    const [a, b] = await Promise.all([start(databaseUrl), start(databaseUrl)]);
    try {
      for (let e = 0; e < 5; e++) {
        await request(a.url)
          .post('/webhooks/endpoints')
          .set(auth)
          .send({ url: `${receiver.url}/${e}`, eventTypes: ['scale.*'] })
          .expect(201);
      }
      await publishNumbered(a.url, 500, 'scale.test');
      await publishNumbered(b.url, 500, 'scale.test');
      await waitFor(() => receiver.requests.length >= 5000, 60000, '5,000 deliveries');
      // Nothing in flight or due any more: a late duplicate would have arrived by now.
      await waitForIdle({ databaseUrl }, { timeoutMs: 60000 });
      expect(new Set(receiver.ids()).size).toBe(5000);

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        // Each delivery claimed by one instance and sent once: exactly one successful attempt
        // per delivery. An extra attempt may only be a failed one (on a starved CI machine a
        // request can exceed the 1 s timeout before the receiver reads it), never a second send.
        const { rows } = await client.query(
          `SELECT count(*)::int AS deliveries,
                  count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                  (SELECT count(*)::int FROM webhook_attempts WHERE status_code BETWEEN 200 AND 299) AS "sentOk",
                  (SELECT count(*)::int FROM webhook_attempts
                   WHERE (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299) AND error IS NULL) AS "failedWithoutError",
                  (SELECT count(DISTINCT instance_id)::int FROM webhook_attempts) AS instances,
                  (SELECT count(*)::int FROM webhook_attempts
                   WHERE status_code IS NULL OR status_code NOT BETWEEN 200 AND 299) AS failed
           FROM webhook_deliveries`,
        );
        // The receiver saw one request per delivery, plus at most one per failed attempt (a
        // request that timed out may still have been read); never a second successful send.
        const { failed, ...counts } = rows[0];
        expect(receiver.requests.length).toBeGreaterThanOrEqual(5000);
        expect(receiver.requests.length).toBeLessThanOrEqual(5000 + failed);
        rows[0] = counts;
        expect(rows[0]).toEqual({
          deliveries: 5000,
          succeeded: 5000,
          sentOk: 5000,
          failedWithoutError: 0,
          instances: 2,
        });
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all([stop(a.app), stop(b.app)]);
      await receiver.close();
    }
  });
});
