import pg from 'pg';
import request from 'supertest';
import { EventConsumersService } from '../../src/events/consumers/event-consumers.service.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { StorageMaintenanceJob } from '../../src/storage/maintenance.job.js';
import { RETENTION_TABLES } from '../../src/storage/index.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

type Seed = (db: pg.Client, at: string, n: number) => Promise<unknown>;

// Past the 30 s settings and the defaults of the *_DAYS ones (WEBHOOK_RETENTION_DAYS=30).
const OLD = `now() - interval '40 days'`;
const NEW = `now()`;

/**
 * One row per registered table, its time column set to `at`. A table added to the registry
 * without a seed here fails the first test.
 */
function seeds(p: {
  consumer: string;
  endpoint: string;
  delivery: string;
  job: string;
  trigger: string;
  rule: string;
  integration: string;
}): Record<string, Seed> {
  return {
    events: (db, at) =>
      db.query(
        `INSERT INTO events (type, source, created_at) VALUES ('retention.test', 't', ${at})`,
      ),
    event_consumer_failures: (db, at) =>
      db.query(
        `INSERT INTO event_consumer_failures (consumer, event_id, attempts, error, created_at) VALUES ($1, 1, 1, 'x', ${at})`,
        [p.consumer],
      ),
    webhook_deliveries: (db, at) =>
      db.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, status, completed_at) VALUES ($1, 't', '{}', 'succeeded', ${at})`,
        [p.endpoint],
      ),
    // A lease whose delivery went while in flight: no delivery row.
    webhook_delivery_leases: (db, at) =>
      db.query(
        `INSERT INTO webhook_delivery_leases (delivery_id, endpoint_id, locked_by, locked_until) VALUES (gen_random_uuid(), $1, 'gone', ${at})`,
        [p.endpoint],
      ),
    webhook_attempts: (db, at) =>
      db.query(
        `INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt_number, started_at, duration_ms, instance_id) VALUES ($1, $2, 1, ${at}, 1, 'i')`,
        [p.delivery, p.endpoint],
      ),
    webhook_messages: (db, at) =>
      db.query(
        `INSERT INTO webhook_messages (id, url, secrets, created_by, created_at) VALUES (gen_random_uuid(), 'http://127.0.0.1:9/', '[]', 'retention', ${at})`,
      ),
    // Message lanes (the rest of the table is configuration, out of the retention's scope).
    webhook_endpoints: (db, at, n) =>
      db.query(
        `INSERT INTO webhook_endpoints (owner, target_key, url, secrets, updated_at) VALUES ('webhooks.messages', $1, 'http://127.0.0.1:9', '[]', ${at})`,
        [`http://lane-${n}.test${at}`],
      ),
    jobs: (db, at) =>
      db.query(
        `INSERT INTO jobs (queue, status, finished_at) VALUES ('retention.test', 'succeeded', ${at})`,
      ),
    job_attempts: (db, at) =>
      db.query(
        `INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, instance) VALUES ($1, 1, ${at}, 1, 'succeeded', 'i')`,
        [p.job],
      ),
    event_trigger_firings: (db, at) =>
      db.query(
        `INSERT INTO event_trigger_firings (trigger_id, event_id, event_type, group_key, outcome, created_at) VALUES ($1, 1, 't', '', 'fired', ${at})`,
        [p.trigger],
      ),
    event_trigger_groups: (db, at, n) =>
      db.query(
        `INSERT INTO event_trigger_groups (trigger_id, group_key, last_fired_at) VALUES ($1, $2, ${at})`,
        [p.trigger, `g${n}${at}`],
      ),
    log_scan_source_stats: (db, at, n) =>
      db.query(`INSERT INTO log_scan_source_stats (source, last_seen_at) VALUES ($1, ${at})`, [
        `s${n}${at}`,
      ]),
    log_scan_rule_stats: (db, at, n) =>
      db.query(
        `INSERT INTO log_scan_rule_stats (rule_id, source, rule_name, last_hit_at) VALUES (gen_random_uuid(), $1, 'r', ${at})`,
        [`s${n}${at}`],
      ),
    log_scan_buckets: (db, at, n) =>
      db.query(`INSERT INTO log_scan_buckets (source, tokens, refilled_at) VALUES ($1, 1, ${at})`, [
        `s${n}${at}`,
      ]),
    log_scan_minutes: (db, at, n) =>
      db.query(`INSERT INTO log_scan_minutes (minute, source, lines) VALUES (${at}, $1, 1)`, [
        `s${n}${at}`,
      ]),
    log_scan_cooldowns: (db, at, n) =>
      db.query(`INSERT INTO log_scan_cooldowns (rule_id, source, until) VALUES ($1, $2, ${at})`, [
        p.rule,
        `s${n}${at}`,
      ]),
    integration_logs: (db, at) =>
      db.query(
        `INSERT INTO integration_logs (integration_id, operation, created_at) VALUES ($1, 'create', ${at})`,
        [p.integration],
      ),
    integration_messages: (db, at, n) =>
      db.query(
        `INSERT INTO integration_messages (integration_id, card_id, message_id, body, created_at) VALUES ($1, 'c1', $2, 'b', ${at})`,
        [p.integration, `m${n}${at}`],
      ),
    calendar_sync_log: (db, at) =>
      db.query(
        `INSERT INTO calendar_sync_log (user_id, started_at, duration_ms) VALUES ('u', ${at}, 1)`,
      ),
    artifacts: (db, at) =>
      db.query(
        `WITH a AS (INSERT INTO artifacts (name, content_type, size, sha256, created_by, created_at, completed_at, last_used_at)
           VALUES ('a.txt', 'text/plain', 1, 'x', 't', ${at}, ${at}, ${at}) RETURNING id)
         INSERT INTO artifact_chunks (artifact_id, seq, data) SELECT id, 0, '\\x61' FROM a`,
      ),
  };
}

const RETENTION_ENV = {
  EVENTS_RETENTION: '30s',
  EVENT_CONSUMER_FAILURES_RETENTION: '30s',
  TRIGGER_FIRINGS_RETENTION: '30s',
  LOG_SCAN_STATS_RETENTION: '30s',
  INTEGRATION_LOGS_RETENTION: '30s',
  INTEGRATION_MESSAGES_RETENTION: '30s',
  CALENDAR_SYNC_LOG_RETENTION: '30s',
  ARTIFACT_RETENTION: '30s',
  STORAGE_PRUNE_BATCH: '2',
};

describe('Storage retention', () => {
  let t: TestApp;
  let db: pg.Client;
  const admin = () => bearer(t.adminToken);
  const count = async (table: string, where = 'true') =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n);
  const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0];
  const consumersPassed = async () =>
    (await request(t.url).get('/events/consumers').set(admin()).expect(200)).body.every(
      (c: { holdsLogSince: string | null }) => c.holdsLogSince === null,
    );

  beforeAll(async () => {
    t = await startTestApp({ env: RETENTION_ENV });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('prunes the old rows of every registered table in batches and keeps the new ones', async () => {
    const { name: consumer } = await one(`SELECT name FROM event_consumers ORDER BY name LIMIT 1`);
    const { id: endpoint } = await one(
      `INSERT INTO webhook_endpoints (url, secrets, enabled) VALUES ('http://127.0.0.1:9/', '[]', false) RETURNING id`,
    );
    const { id: delivery } = await one(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, status) VALUES ($1, 't', '{}', 'failed') RETURNING id`,
      [endpoint],
    );
    const { id: job } = await one(
      `INSERT INTO jobs (queue, status, finished_at) VALUES ('retention.parent', 'failed', now()) RETURNING id`,
    );
    const { id: trigger } = await one(
      `INSERT INTO event_triggers (id, name, enabled, action_url, secret_sealed, target_id)
       VALUES (gen_random_uuid(), 'retention-test', false, 'http://127.0.0.1:9/', 'x', gen_random_uuid()) RETURNING id`,
    );
    const { id: rule } = await one(
      `INSERT INTO log_scan_rules (name, pattern, severity, enabled) VALUES ('retention-test', 'x', 'info', false) RETURNING id`,
    );
    const { id: integration } = await one(
      `INSERT INTO integrations (kind, name, enabled, event_filter, config_sealed) VALUES ('jira', 'retention-test', false, '{}', 'x') RETURNING id`,
    );
    await db.query(
      `INSERT INTO integration_cards (integration_id, card_id, last_event_type) VALUES ($1, 'c1', 'card.created')`,
      [integration],
    );
    const seed = seeds({ consumer, endpoint, delivery, job, trigger, rule, integration });
    const pruned = RETENTION_TABLES.filter((r) => !r.prunedBy);
    expect(pruned.map((r) => r.table).filter((table) => !seed[table])).toEqual([]);

    const before = new Map<string, number>();
    for (const { table } of pruned) before.set(table, await count(table));
    for (const { table } of pruned) {
      for (let i = 0; i < 5; i++) await seed[table](db, OLD, i);
      await seed[table](db, NEW, 9);
    }
    // The bus log goes only once every consumer passed the old events.
    await waitFor(consumersPassed, 15000, 'every consumer to pass the seeded events');

    const results = await t.app.get(StorageMaintenanceJob).prune();

    for (const { table, timeColumn } of pruned) {
      const result = results.find((r) => r.table === table);
      // 5 old rows in batches of 2: three batches, the last one short.
      expect({ table, removed: result?.rowsRemoved, caughtUp: result?.caughtUp }).toEqual({
        table,
        removed: 5,
        caughtUp: true,
      });
      expect({
        table,
        old: await count(table, `${timeColumn} < now() - interval '1 day'`),
      }).toEqual({ table, old: 0 });
      expect({ table, left: await count(table) }).toEqual({ table, left: before.get(table)! + 1 });
    }
    const prunes = await db.query(`SELECT table_name, rows_removed::int AS n FROM storage_prunes`);
    expect(new Map(prunes.rows.map((r) => [r.table_name, r.n]))).toEqual(
      new Map(pruned.map((r) => [r.table, 5])),
    );
  });

  it('keeps an event a stopped consumer has not passed, and prunes it once the consumer passes it', async () => {
    let stopped = true;
    const seen: string[] = [];
    await t.app.get(EventConsumersService).registerConsumer(
      { name: 'test.retention-stopped', types: ['retention.held'] },
      {
        async handle(events: HubEvent[]) {
          if (stopped) throw new Error('stopped');
          seen.push(...events.map((e) => e.id));
        },
      },
    );
    const { id } = await one(
      `INSERT INTO events (type, source, created_at) VALUES ('retention.held', 't', now() - interval '1 hour') RETURNING id::text AS id`,
    );
    const held = async () =>
      (await request(t.url).get('/events/consumers').set(admin()).expect(200)).body.find(
        (c: { name: string }) => c.name === 'test.retention-stopped',
      );
    await waitFor(
      async () => (await held())?.holdsLogSince !== null,
      10000,
      'the consumer to hold the log',
    );

    await t.app.get(StorageMaintenanceJob).prune();
    expect(await count('events', `id = ${Number(id)}`)).toBe(1);
    const metrics = (await request(t.url).get('/metrics').set(admin()).expect(200)).text;
    const gauge = new RegExp(
      `hub_event_log_held_by_consumer_seconds\\{consumer="test.retention-stopped"\\} (\\S+)`,
    ).exec(metrics);
    expect(Number(gauge?.[1])).toBeGreaterThan(0);

    stopped = false;
    await waitFor(
      async () => seen.includes(id) && (await consumersPassed()),
      30000,
      'the consumer to pass the event',
    );
    await t.app.get(StorageMaintenanceJob).prune();
    expect(await count('events', `id = ${Number(id)}`)).toBe(0);
  });

  it('lists every registered table on GET /admin/storage, admin only', async () => {
    await request(t.url).get('/admin/storage').expect(401);
    const publisher = await request(t.url)
      .post('/admin/api-keys')
      .set(admin())
      .send({ name: 'storage-reader', role: 'publisher' })
      .expect(201);
    await request(t.url).get('/admin/storage').set(bearer(publisher.body.key)).expect(403);
    await t.app.get(StorageMaintenanceJob).prune();
    const res = await request(t.url).get('/admin/storage').set(admin()).expect(200);
    expect(res.body.tables.map((x: { table: string }) => x.table)).toEqual(
      RETENTION_TABLES.map((r) => r.table),
    );
    const events = res.body.tables.find((x: { table: string }) => x.table === 'events');
    expect(events).toMatchObject({
      setting: 'EVENTS_RETENTION',
      retentionSeconds: 30,
      prunedBy: 'storage.maintenance',
    });
    expect(events.estimatedRows).toBeGreaterThanOrEqual(0);
    expect(events.totalBytes).toBeGreaterThan(0);
    expect(events.lastPrune).toMatchObject({ caughtUp: true });
    expect(events.lastPrune.totalRemoved).toBeGreaterThanOrEqual(0);
    const sync = res.body.tables.find((x: { table: string }) => x.table === 'sync_changes');
    expect(sync).toMatchObject({ setting: 'SYNC_LOG_RETENTION', prunedBy: 'sync.compaction' });
  });

  it('exposes the storage view as gauges on /metrics', async () => {
    await db.query(
      `INSERT INTO calendar_sync_log (user_id, started_at, duration_ms) VALUES ('u', ${OLD}, 1)`,
    );
    await t.app.get(StorageMaintenanceJob).prune();
    // Scrapes read a view cached for 5 s: an earlier test's scrape may still be served.
    const scrape = async () => (await request(t.url).get('/metrics').set(admin()).expect(200)).text;
    const text = await waitFor(
      async () => {
        const body = await scrape();
        return /hub_table_pruned_rows_total\{table="calendar_sync_log"\} [1-9]/.test(body)
          ? body
          : undefined;
      },
      15_000,
      'the prune on /metrics',
    );
    for (const name of [
      'hub_table_rows',
      'hub_table_bytes',
      'hub_table_oldest_row_seconds',
      'hub_table_retention_seconds',
    ])
      for (const { table } of RETENTION_TABLES) expect(text).toContain(`${name}{table="${table}"}`);
    expect(text).toMatch(/hub_table_pruned_rows_total\{table="calendar_sync_log"\} [1-9]/);
  });
});
