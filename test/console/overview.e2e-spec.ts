import pg from 'pg';
import request from 'supertest';
import { createEndpoint, deliveriesOf, deliveryDetail, publish } from '../webhooks/helpers.js';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

interface Attempt {
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
}

interface Series {
  from: string;
  to: string;
  stepSeconds: number;
  at: number[];
  deliveries: { succeeded: number[]; failed: number[]; dead: number[] };
  successRate: (number | null)[];
  latencyP95Ms: (number | null)[];
  eventsPublished: number[];
  logLinesScanned: number[];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const FAST = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1000',
  EVENT_CONSUMER_POLL_MS: '200',
};

describe('GET /overview/*: what the console charts', () => {
  let t: TestApp;
  let db: pg.Client;
  let publisherKey: string;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({ env: FAST });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    publisherKey = (
      await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'overview-publisher', role: 'publisher' })
        .expect(201)
    ).body.key;
  });

  afterAll(async () => {
    await receivers.closeAll();
    await db?.end();
    await t?.close();
  });

  const get = (path: string, query: Record<string, string | number> = {}) =>
    request(t.url).get(path).query(query).set(bearer(t.adminToken));

  async function series(hours?: number): Promise<Series> {
    return (await get('/overview/series', hours ? { hours } : {}).expect(200)).body;
  }

  /** The bucket of an instant on the answer's axis. */
  const bucketOf = (s: Series, at: string | number) =>
    Math.floor((new Date(at).getTime() / 1000 - s.at[0]) / s.stepSeconds);

  async function allEvents() {
    return (await get('/events', { limit: 500 }).expect(200)).body.data as {
      id: string;
      type: string;
      createdAt: string;
    }[];
  }

  async function settledDelivery(endpointId: string, status: 'succeeded' | 'failed') {
    const [d] = await waitFor(async () => {
      const ds = await deliveriesOf(t, endpointId);
      return ds.length === 1 && ds[0].status === status ? ds : undefined;
    });
    return deliveryDetail(t, d.id) as Promise<{ attempts: Attempt[]; eventId: string }>;
  }

  it('puts a failed-then-retried delivery, a dead one, events and log lines in their buckets', async () => {
    // A hub of its own: the exact arrays below count every attempt and event of its database,
    // whatever the other tests of this file did before. The helpers read \`t\`.
    const shared = t;
    t = await startTestApp({ env: FAST });
    try {
      // Answers 500 once, then 200: one failed attempt, then one that succeeds on the retry.
      const flaky = await receivers.start((_req, res, i) => {
        res.statusCode = i === 0 ? 500 : 200;
        res.end(i === 0 ? 'boom' : 'ok');
      });
      // Always 503: four attempts (the schedule has three retries), the last one dead.
      const down = await receivers.start((_req, res) => {
        res.statusCode = 503;
        res.end('down');
      });
      const e1 = await createEndpoint(t, { url: flaky.url, eventTypes: ['chart.flaky'] });
      const e2 = await createEndpoint(t, { url: down.url, eventTypes: ['chart.down'] });
      await publish(t, [
        { type: 'chart.flaky', source: 'overview-test', data: { n: 1 } },
        { type: 'chart.down', source: 'overview-test', data: { n: 2 } },
      ]);
      const ok = await settledDelivery(e1.id, 'succeeded');
      const dead = await settledDelivery(e2.id, 'failed');
      expect(ok.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
      expect(dead.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503, 503]);
      await request(t.url)
        .post('/logs')
        .set(bearer(t.adminToken))
        .send({ source: 'overview-test', lines: ['one', 'two', 'three'] })
        .expect(202);
      // Every event of this suite so far, including the hub's own webhook.delivery.exhausted.
      await waitFor(async () =>
        (await allEvents()).some((e) => e.type === 'webhook.delivery.exhausted'),
      );
      const events = await allEvents();
      const s = await series();
      expect(s.stepSeconds).toBe(60);
      expect(s.at).toHaveLength(1440);
      expect(s.at[1] - s.at[0]).toBe(60);
      expect(new Date(s.from).getTime() / 1000).toBe(s.at[0]);
      expect(new Date(s.to).getTime() / 1000).toBe(s.at[1439] + 60);
      expect(s.at[1439] * 1000).toBeLessThanOrEqual(Date.now());
      for (const arr of [
        s.deliveries.succeeded,
        s.deliveries.failed,
        s.deliveries.dead,
        s.successRate,
        s.latencyP95Ms,
        s.eventsPublished,
        s.logLinesScanned,
      ])
        expect(arr).toHaveLength(1440);

      // Exactly these attempts, each in the bucket of its start.
      const expected = { succeeded: zeros(1440), failed: zeros(1440), dead: zeros(1440) };
      expected.failed[bucketOf(s, ok.attempts[0].startedAt)]++;
      expected.succeeded[bucketOf(s, ok.attempts[1].startedAt)]++;
      for (const a of dead.attempts.slice(0, 3)) expected.failed[bucketOf(s, a.startedAt)]++;
      expected.dead[bucketOf(s, dead.attempts[3].startedAt)]++;
      expect(s.deliveries).toEqual(expected);

      // Success rate per bucket: succeeded over every attempt of that bucket.
      const bOk = bucketOf(s, ok.attempts[1].startedAt);
      const all = expected.succeeded[bOk] + expected.failed[bOk] + expected.dead[bOk];
      expect(s.successRate[bOk]).toBeCloseTo(1 / all, 6);
      expect(s.successRate.filter((r) => r !== null)).toHaveLength(
        expected.succeeded.filter(
          (_, i) => expected.succeeded[i] + expected.failed[i] + expected.dead[i] > 0,
        ).length,
      );

      // The one success's publish-to-receive: event accepted to the end of its attempt.
      const flakyEvent = events.find((e) => e.id === ok.eventId)!;
      const end = new Date(ok.attempts[1].startedAt).getTime() + ok.attempts[1].durationMs;
      const latency = end - new Date(flakyEvent.createdAt).getTime();
      expect(s.latencyP95Ms[bOk]).not.toBeNull();
      expect(Math.abs(s.latencyP95Ms[bOk]! - latency)).toBeLessThanOrEqual(2);
      // It includes the failed first attempt and the retry wait (200 ms).
      expect(s.latencyP95Ms[bOk]!).toBeGreaterThanOrEqual(200);
      expect(s.latencyP95Ms.filter((v) => v !== null)).toHaveLength(1);

      expect((await allEvents()).map((e) => e.id)).toEqual(events.map((e) => e.id));
      const expectedEvents = zeros(1440);
      for (const e of events) expectedEvents[bucketOf(s, e.createdAt)]++;
      expect(s.eventsPublished).toEqual(expectedEvents);

      expect(sum(s.logLinesScanned)).toBe(3);
      expect(s.logLinesScanned[1439] + s.logLinesScanned[1438]).toBe(3);
    } finally {
      await t.close();
      t = shared;
    }
  });

  it('uses ten-minute buckets beyond a day', async () => {
    const s = await series(48);
    expect(s.stepSeconds).toBe(600);
    expect(s.at).toHaveLength(288);
    expect(s.at[0] % 600).toBe(0);
    expect(s.deliveries.succeeded).toHaveLength(288);
    expect((await series(168)).at).toHaveLength(1008);
    expect((await series(1)).at).toHaveLength(60);
  });

  it('lists a failing endpoint with its last answer, and drops it once it recovers', async () => {
    let healthy = false;
    const r = await receivers.start((_req, res) => {
      res.statusCode = healthy ? 204 : 502;
      res.end();
    });
    const e = await createEndpoint(t, {
      url: r.url,
      eventTypes: ['chart.recover'],
      description: 'Recovering',
    });
    await publish(t, { type: 'chart.recover', source: 'overview-test' });
    const listed = await waitFor(async () => {
      const body = (await get('/overview/failing').expect(200)).body;
      return body.endpoints.find((x: { id: string }) => x.id === e.id);
    });
    expect(listed).toMatchObject({
      url: r.url,
      description: 'Recovering',
      enabled: true,
      lastStatus: 502,
      lastError: 'receiver answered 502',
    });
    expect(Date.parse(listed.failingSince)).not.toBeNaN();

    const health = (await get('/overview/endpoint-health', { ids: e.id }).expect(200)).body;
    expect(health.items).toHaveLength(1);
    expect(health.items[0]).toMatchObject({
      endpointId: e.id,
      lastStatus: 502,
      failingSince: listed.failingSince,
    });

    healthy = true;
    await settledDelivery(e.id, 'succeeded');
    await waitFor(async () => {
      const body = (await get('/overview/failing').expect(200)).body;
      return !body.endpoints.some((x: { id: string }) => x.id === e.id);
    });
    const after = (await get('/overview/endpoint-health', { ids: e.id }).expect(200)).body.items[0];
    expect(after.failingSince).toBeNull();
    expect(after.lastStatus).toBe(204);
  });

  it('counts each endpoint attempts per hour, in the order asked, leaving unknown ids out', async () => {
    const r = await receivers.start((_req, res, i) => {
      res.statusCode = i < 2 ? 500 : 200;
      res.end();
    });
    const quiet = await receivers.start();
    const e = await createEndpoint(t, { url: r.url, eventTypes: ['chart.hourly'] });
    const idle = await createEndpoint(t, { url: quiet.url, eventTypes: ['chart.never'] });
    await publish(t, { type: 'chart.hourly', source: 'overview-test' });
    const d = await settledDelivery(e.id, 'succeeded');
    expect(d.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const body = (
      await get('/overview/endpoint-health', {
        ids: `${idle.id},${unknown},${e.id}`,
        hours: 3,
      }).expect(200)
    ).body;
    expect(body.items.map((i: { endpointId: string }) => i.endpointId)).toEqual([idle.id, e.id]);
    const [quietItem, busy] = body.items;
    expect(busy.at).toHaveLength(3);
    expect(busy.at[1] - busy.at[0]).toBe(3600);
    expect(busy.at[2] * 1000).toBeLessThanOrEqual(Date.now());
    const hour = (at: string) => Math.floor((Date.parse(at) / 1000 - busy.at[0]) / 3600);
    const succeeded = [0, 0, 0];
    const failed = [0, 0, 0];
    for (const a of d.attempts) (a.statusCode === 200 ? succeeded : failed)[hour(a.startedAt)]++;
    expect(busy).toMatchObject({ succeeded, failed, lastStatus: 200, failingSince: null });
    expect(busy.lastAttemptAt).toBe(new Date(d.attempts[2].startedAt).toISOString());
    expect(quietItem).toMatchObject({
      succeeded: [0, 0, 0],
      failed: [0, 0, 0],
      lastStatus: null,
      lastAttemptAt: null,
      failingSince: null,
    });
  });

  it('lists failing bindings, integrations and consumers from the state their modules keep', async () => {
    // Seeded as rows: their own suites drive the runs that leave this state behind.
    await db.query(
      `INSERT INTO calendar_accounts (user_id, server_url, username, password_sealed) VALUES ('ovw-alice', 'http://127.0.0.1:9/', 'alice', 'x')`,
    );
    const {
      rows: [binding],
    } = await db.query(
      `INSERT INTO calendar_bindings (user_id, calendar_url, display_name, scope_kind, enabled, last_sync_at, last_sync_error)
       VALUES ('ovw-alice', 'http://127.0.0.1:9/alice/work/', 'Work', 'all_visible', false, now() - interval '1 hour', 'CalDAV server answered 401')
       RETURNING id`,
    );
    for (const [ago, errors] of [
      ['3 hours', 0],
      ['2 hours', 1],
      ['1 hour', 1],
    ] as const)
      await db.query(
        `INSERT INTO calendar_sync_log (binding_id, user_id, started_at, duration_ms, errors, first_error)
         VALUES ($1, 'ovw-alice', now() - $2::interval, 10, $3, CASE WHEN $3 > 0 THEN 'CalDAV server answered 401' END)`,
        [binding.id, ago, errors],
      );
    // Disabled bindings are not failing; enabled again, it is.
    let failing = (await get('/overview/failing').expect(200)).body;
    expect(failing.bindings).toEqual([]);
    await db.query(`UPDATE calendar_bindings SET enabled = true, sync_cron = NULL WHERE id = $1`, [
      binding.id,
    ]);
    failing = (await get('/overview/failing').expect(200)).body;
    const b = failing.bindings.find((x: { id: string }) => x.id === binding.id);
    expect(b).toMatchObject({
      userId: 'ovw-alice',
      calendarUrl: 'http://127.0.0.1:9/alice/work/',
      displayName: 'Work',
      lastError: 'CalDAV server answered 401',
    });
    const { rows: runs } = await db.query(
      `SELECT started_at FROM calendar_sync_log WHERE binding_id = $1 AND errors > 0 ORDER BY id LIMIT 1`,
      [binding.id],
    );
    expect(b.failingSince).toBe(new Date(runs[0].started_at).toISOString());

    const integration = (
      await request(t.url)
        .post('/integrations')
        .set(bearer(t.adminToken))
        .send({
          kind: 'jira',
          name: 'Overview Jira',
          config: {
            baseUrl: 'http://127.0.0.1:9',
            email: 'ops@example.com',
            apiToken: 'token',
            projectKey: 'HUB',
          },
        })
        .expect(201)
    ).body;
    const log = (op: string, status: number | null, error: string | null) =>
      db.query(
        `INSERT INTO integration_logs (integration_id, operation, http_status, duration_ms, error) VALUES ($1, $2, $3, 5, $4)`,
        [integration.id, op, status, error],
      );
    await log('create', 201, null);
    await log('update', 401, 'Jira answered 401: check the token');
    await log('cutoff', null, 'created before the cutoff');
    failing = (await get('/overview/failing').expect(200)).body;
    expect(failing.integrations).toEqual([
      expect.objectContaining({
        id: integration.id,
        name: 'Overview Jira',
        kind: 'jira',
        lastError: 'Jira answered 401: check the token',
        lastStatus: 401,
      }),
    ]);
    await log('update', 200, null);
    failing = (await get('/overview/failing').expect(200)).body;
    expect(failing.integrations).toEqual([]);

    await db.query(
      `INSERT INTO event_consumer_failures (consumer, event_id, attempts, error) VALUES
         ('webhooks.fan-out', 1, 5, 'first poison'), ('webhooks.fan-out', 2, 5, 'second poison')`,
    );
    failing = (await get('/overview/failing').expect(200)).body;
    expect(failing.consumers).toEqual([
      expect.objectContaining({
        name: 'webhooks.fan-out',
        poisonCount: 2,
        lastError: 'second poison',
        failingEventId: null,
      }),
    ]);
  });

  it.each([
    ['/overview/series', { hours: 0 }, 'hours'],
    ['/overview/series', { hours: 169 }, 'hours'],
    ['/overview/series', { hours: '1.5' }, 'hours'],
    ['/overview/series', { hours: 'day' }, 'hours'],
    ['/overview/series', { hour: 2 }, 'hour'],
    ['/overview/endpoint-health', {}, 'ids'],
    ['/overview/endpoint-health', { ids: 'nope' }, 'ids'],
    [
      '/overview/endpoint-health',
      { ids: Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000000').join(',') },
      'ids',
    ],
    [
      '/overview/endpoint-health',
      { ids: '00000000-0000-4000-8000-000000000000', hours: 200 },
      'hours',
    ],
  ])('answers 400 problem+json naming the field: %s %j', async (path, query, field) => {
    const res = await get(path, query as Record<string, string>).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    '/overview/series',
    '/overview/failing',
    '/overview/endpoint-health?ids=00000000-0000-4000-8000-000000000000',
  ])('refuses %s without credentials (401) and to a publisher key (403)', async (path) => {
    await request(t.url).get(path).expect(401);
    const res = await request(t.url).get(path).set(bearer(publisherKey)).expect(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}
