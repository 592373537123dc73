import pg from 'pg';
import { benchDatabase, table, writeResults } from './support.js';

/**
 * The measurements behind the partitioning decision (docs/operations.md, "Partitioned
 * logs"). For each high-volume log, two copies of its shape side by side in one database:
 * `plain` (one table) and `part` (range-partitioned by its time column, one partition per
 * day). Each gets the same rows (DAYS days of ROWS_PER_DAY), then:
 * - insert: single-row INSERTs, one statement each (the hot path's shape), with
 *   synchronous_commit off so the figure is the statement's cost and not the disk flush;
 * - the table's hot read, repeated;
 * - pruning the oldest day: batched DELETEs as storage.maintenance runs them (plain) against
 *   one DROP of the day's partition (part): time, WAL written, and bytes on disk afterwards.
 */
const DAYS = Number(process.env.BENCH_DAYS ?? 8);
const ROWS_PER_DAY = Number(process.env.BENCH_ROWS_PER_DAY ?? 50_000);
const INSERTS = Number(process.env.BENCH_INSERTS ?? 5000);
const READS = Number(process.env.BENCH_READS ?? 2000);
const PRUNE_BATCH = 5000;

interface LogShape {
  name: string;
  timeColumn: string;
  columns: string;
  /** Primary key of the plain table, and of the partitioned one (with the time column). */
  plainKey: string;
  partKey: string;
  indexes: string[];
  /** The SELECT that fills one day: $1 = day start, $2 = rows, $3 = first id of the day. */
  fill: string;
  /** One hot-path insert, no parameters. */
  insert: string;
  /** The hot read: $1 = a value near the head, from `probe`. */
  read: string;
  /** A value for `read`, from the filled table. */
  probe: string;
  /** The plain table's prune batch: $1 = cutoff, $2 = batch. */
  prune: string;
  /** An update by key the hot path makes, if any ($1 from `probe`). */
  update?: string;
}

const SHAPES: LogShape[] = [
  {
    name: 'events',
    timeColumn: 'created_at',
    columns: `id bigint NOT NULL, tx xid8 NOT NULL DEFAULT pg_current_xact_id(), type text NOT NULL,
      source text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now()`,
    plainKey: 'id',
    partKey: 'id, created_at',
    indexes: ['(tx, id)', '(type text_pattern_ops, id)', '(source, id)'],
    fill: `SELECT $3::bigint + g, pg_current_xact_id(), 'order.created', 'shop',
             jsonb_build_object('n', g, 'pad', repeat('x', 200)), $1::timestamptz + g * (interval '1 day' / $2)
           FROM generate_series(0, $2 - 1) g`,
    insert: `INSERT INTO T (id, type, source, data) VALUES (nextval('SEQ'), 'order.created', 'shop', '{"n":1,"pad":"${'x'.repeat(200)}"}')`,
    read: `SELECT id FROM T WHERE (tx, id) > ($1::xid8, $2::bigint) ORDER BY tx, id LIMIT 500`,
    probe: `SELECT tx::text AS a, id::text AS b FROM T ORDER BY tx DESC, id DESC OFFSET 400 LIMIT 1`,
    prune: `DELETE FROM T WHERE id IN (SELECT id FROM T WHERE created_at < $1 ORDER BY id LIMIT $2)`,
  },
  {
    name: 'webhook_attempts',
    timeColumn: 'started_at',
    columns: `id bigint NOT NULL, delivery_id uuid NOT NULL, endpoint_id uuid NOT NULL,
      attempt_number integer NOT NULL, started_at timestamptz NOT NULL, duration_ms integer NOT NULL,
      status_code integer, response_body text`,
    plainKey: 'id',
    partKey: 'id, started_at',
    indexes: ['(delivery_id, id)', '(endpoint_id, started_at)'],
    fill: `SELECT $3::bigint + g, md5(($3::bigint + g)::text)::uuid, md5((g % 10)::text)::uuid, 1,
             $1::timestamptz + g * (interval '1 day' / $2), 42, 200, repeat('o', 100)
           FROM generate_series(0, $2 - 1) g`,
    insert: `INSERT INTO T (id, delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code, response_body)
             VALUES (nextval('SEQ'), gen_random_uuid(), gen_random_uuid(), 1, now(), 42, 200, 'ok')`,
    read: `SELECT id FROM T WHERE delivery_id = $1::uuid ORDER BY id`,
    probe: `SELECT delivery_id::text AS a, '' AS b FROM T ORDER BY id DESC OFFSET 100 LIMIT 1`,
    prune: `DELETE FROM T WHERE id IN (SELECT id FROM T WHERE started_at < $1 ORDER BY id LIMIT $2)`,
  },
  {
    name: 'job_attempts',
    timeColumn: 'started_at',
    columns: `id bigint NOT NULL, job_id uuid NOT NULL, attempt integer NOT NULL,
      started_at timestamptz NOT NULL, duration_ms integer NOT NULL, outcome text NOT NULL, summary text`,
    plainKey: 'id',
    partKey: 'id, started_at',
    indexes: ['(job_id, id)'],
    fill: `SELECT $3::bigint + g, md5(($3::bigint + g)::text)::uuid, 1,
             $1::timestamptz + g * (interval '1 day' / $2), 42, 'done', 'synced 3 cards'
           FROM generate_series(0, $2 - 1) g`,
    insert: `INSERT INTO T (id, job_id, attempt, started_at, duration_ms, outcome, summary)
             VALUES (nextval('SEQ'), gen_random_uuid(), 1, now(), 42, 'done', 'synced 3 cards')`,
    read: `SELECT id FROM T WHERE job_id = $1::uuid ORDER BY id`,
    probe: `SELECT job_id::text AS a, '' AS b FROM T ORDER BY id DESC OFFSET 100 LIMIT 1`,
    prune: `DELETE FROM T WHERE id IN (SELECT id FROM T WHERE started_at < $1 ORDER BY id LIMIT $2)`,
  },
  {
    name: 'sync_changes',
    timeColumn: 'created_at',
    columns: `tx xid8 NOT NULL DEFAULT pg_current_xact_id(), seq bigint NOT NULL, app_id text NOT NULL,
      owner_id text NOT NULL, record_id text NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now()`,
    plainKey: 'app_id, tx, seq',
    partKey: 'app_id, tx, seq, created_at',
    indexes: ['(app_id, owner_id, tx, seq)'],
    fill: `SELECT pg_current_xact_id(), $3::bigint + g, 'notes', 'user-' || (g % 100), 'r' || g,
             jsonb_build_object('title', repeat('t', 100)), $1::timestamptz + g * (interval '1 day' / $2)
           FROM generate_series(0, $2 - 1) g`,
    insert: `INSERT INTO T (seq, app_id, owner_id, record_id, body) VALUES (nextval('SEQ'), 'notes', 'user-7', 'r', '{"title":"t"}')`,
    read: `SELECT seq FROM T WHERE app_id = 'notes' AND owner_id = 'user-7' AND (tx, seq) > ($1::xid8, $2::bigint) ORDER BY tx, seq LIMIT 500`,
    probe: `SELECT tx::text AS a, seq::text AS b FROM T WHERE app_id = 'notes' AND owner_id = 'user-7' ORDER BY tx DESC, seq DESC OFFSET 50 LIMIT 1`,
    prune: `DELETE FROM T WHERE ctid = ANY(ARRAY(SELECT ctid FROM T WHERE created_at < $1 LIMIT $2))`,
  },
  {
    name: 'webhook_deliveries',
    timeColumn: 'created_at',
    columns: `id uuid NOT NULL, endpoint_id uuid NOT NULL, event_id bigint, status text NOT NULL,
      attempt_count integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
      payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz`,
    plainKey: 'id',
    partKey: 'id, created_at',
    indexes: ['(endpoint_id, created_at DESC, id)', '(completed_at)'],
    fill: `SELECT md5(($3::bigint + g)::text)::uuid, md5((g % 10)::text)::uuid, $3::bigint + g, 'succeeded', 1,
             $1::timestamptz + g * (interval '1 day' / $2), repeat('p', 300),
             $1::timestamptz + g * (interval '1 day' / $2), $1::timestamptz + g * (interval '1 day' / $2)
           FROM generate_series(0, $2 - 1) g`,
    insert: `INSERT INTO T (id, endpoint_id, event_id, status, payload) VALUES (gen_random_uuid(), gen_random_uuid(), nextval('SEQ'), 'pending', '${'p'.repeat(300)}')`,
    read: `SELECT status FROM T WHERE id = $1::uuid`,
    probe: `SELECT id::text AS a, '' AS b FROM T ORDER BY created_at DESC OFFSET 100 LIMIT 1`,
    prune: `DELETE FROM T WHERE ctid = ANY(ARRAY(SELECT ctid FROM T WHERE completed_at < $1 AND status = 'succeeded' LIMIT $2))`,
    // Settling an attempt: every delivery is updated by id at least once.
    update: `UPDATE T SET status = 'succeeded', attempt_count = attempt_count + 1, completed_at = now() WHERE id = $1::uuid`,
  },
];

const DAY_MS = 86_400_000;

async function walBytes(c: pg.Client, since: string): Promise<number> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::text AS n`,
    [since],
  );
  return Number(rows[0].n);
}

async function lsn(c: pg.Client): Promise<string> {
  return (await c.query<{ l: string }>(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l;
}

async function bytes(c: pg.Client, rel: string): Promise<number> {
  // A partitioned table's own size is zero: sum its partitions.
  const { rows } = await c.query<{ n: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(r)), 0)::text AS n
     FROM (SELECT $1::regclass AS r UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = $1::regclass) x`,
    [rel],
  );
  return Number(rows[0].n);
}

function day(start: number, i: number): string {
  return new Date(start + i * DAY_MS).toISOString();
}

async function create(c: pg.Client, s: LogShape, layout: 'plain' | 'part', start: number) {
  const t = `${layout}.${s.name}`;
  await c.query(`CREATE SEQUENCE ${layout}.${s.name}_seq START 1000000000`);
  if (layout === 'plain') {
    await c.query(`CREATE TABLE ${t} (${s.columns}, PRIMARY KEY (${s.plainKey}))`);
  } else {
    await c.query(
      `CREATE TABLE ${t} (${s.columns}, PRIMARY KEY (${s.partKey})) PARTITION BY RANGE (${s.timeColumn})`,
    );
    // The days filled, today and two ahead (as the maintenance schedule keeps them).
    for (let i = 0; i < DAYS + 3; i++)
      await c.query(
        `CREATE TABLE ${t}_d${i} PARTITION OF ${t} FOR VALUES FROM ('${day(start, i)}') TO ('${day(start, i + 1)}')`,
      );
    await c.query(`CREATE TABLE ${t}_default PARTITION OF ${t} DEFAULT`);
  }
  for (const [i, cols] of s.indexes.entries())
    await c.query(`CREATE INDEX ${s.name}_${layout}_${i} ON ${t} ${cols}`);
  for (let d = 0; d < DAYS; d++)
    await c.query(`INSERT INTO ${t} ${s.fill}`, [day(start, d), ROWS_PER_DAY, d * ROWS_PER_DAY]);
  await c.query(`VACUUM ANALYZE ${t}`);
}

async function timeInserts(c: pg.Client, s: LogShape, layout: string): Promise<number> {
  const sql = s.insert
    .replace(/\bT\b/g, `${layout}.${s.name}`)
    .replace('SEQ', `${layout}.${s.name}_seq`);
  const t0 = performance.now();
  for (let i = 0; i < INSERTS; i++) await c.query(sql);
  return ((performance.now() - t0) * 1000) / INSERTS;
}

async function timeReads(c: pg.Client, s: LogShape, layout: string, sql: string): Promise<number> {
  const t = `${layout}.${s.name}`;
  const { rows } = await c.query<{ a: string; b: string }>(s.probe.replace(/\bT\b/g, t));
  const params = sql.includes('$2') ? [rows[0].a, rows[0].b] : [rows[0].a];
  const text = sql.replace(/\bT\b/g, t);
  for (let i = 0; i < 50; i++) await c.query(text, params); // warm the plan cache and buffers
  const t0 = performance.now();
  for (let i = 0; i < READS; i++)
    await c.query({ name: `${layout}-${s.name}-${sql.length}`, text, values: params });
  return ((performance.now() - t0) * 1000) / READS;
}

async function prune(c: pg.Client, s: LogShape, layout: 'plain' | 'part', start: number) {
  const t = `${layout}.${s.name}`;
  const before = await bytes(c, t);
  const from = await lsn(c);
  const t0 = performance.now();
  let rows = 0;
  if (layout === 'plain') {
    for (;;) {
      const r = await c.query(s.prune.replace(/\bT\b/g, t), [day(start, 1), PRUNE_BATCH]);
      rows += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < PRUNE_BATCH) break;
    }
  } else {
    rows = Number(
      (await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}_d0`)).rows[0].n,
    );
    await c.query(`DROP TABLE ${t}_d0`);
  }
  const ms = performance.now() - t0;
  const wal = await walBytes(c, from);
  return { rows, ms, wal, before, after: await bytes(c, t) };
}

const mb = (n: number) => (n / 1048576).toFixed(1);

export async function runPartitioningBench(): Promise<void> {
  const db = await benchDatabase();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const results: Record<string, string | number>[] = [];
  try {
    await c.query(`SET synchronous_commit = off`);
    await c.query(`CREATE SCHEMA plain; CREATE SCHEMA part`);
    const start = Date.UTC(2026, 0, 1);
    for (const s of SHAPES) {
      for (const layout of ['plain', 'part'] as const) await create(c, s, layout, start);
      const row: Record<string, string | number> = { table: s.name };
      for (const layout of ['plain', 'part'] as const) {
        row[`insert µs ${layout}`] = (await timeInserts(c, s, layout)).toFixed(0);
        row[`read µs ${layout}`] = (await timeReads(c, s, layout, s.read)).toFixed(0);
        if (s.update)
          row[`update µs ${layout}`] = (await timeReads(c, s, layout, s.update)).toFixed(0);
      }
      for (const layout of ['plain', 'part'] as const) {
        const p = await prune(c, s, layout, start);
        row[`prune ms ${layout}`] = p.ms.toFixed(0);
        row[`prune WAL MB ${layout}`] = mb(p.wal);
        row[`MB before→after ${layout}`] = `${mb(p.before)}→${mb(p.after)}`;
        row[`rows ${layout}`] = p.rows;
      }
      results.push(row);
      console.log(table([row]));
    }
    console.log(`\n${DAYS} days × ${ROWS_PER_DAY} rows; ${INSERTS} inserts, ${READS} reads each\n`);
    // One table per column group, so the rows of every log line up.
    const pick = (keys: string[]) =>
      results.map((r) => Object.fromEntries(['table', ...keys].map((k) => [k, r[k] ?? '-'])));
    console.log(
      table(
        pick([
          'insert µs plain',
          'insert µs part',
          'read µs plain',
          'read µs part',
          'update µs plain',
          'update µs part',
        ]),
      ),
    );
    console.log(
      table(
        pick([
          'rows plain',
          'prune ms plain',
          'prune WAL MB plain',
          'MB before→after plain',
          'rows part',
          'prune ms part',
          'prune WAL MB part',
          'MB before→after part',
        ]),
      ),
    );
    console.log(
      `results: ${writeResults('partitioning', { DAYS, ROWS_PER_DAY, INSERTS, READS, results })}`,
    );
  } finally {
    await c.end();
    await db.stop();
  }
}
