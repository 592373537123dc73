import pg from 'pg';
import { runMigrations } from '../../src/database/migrations.js';
import { emptyDatabase, migrateBefore, undoThrough } from '../support/migration-database.js';

/**
 * The migration that partitions the bus log and the attempt logs, run on a database that
 * holds rows (docs/operations.md, "Partitioned logs"): every row stays, byte for byte, ids
 * go on from where the identity was, the attempt logs keep no foreign key, and `down` gives
 * the rows back to plain tables.
 */
const PARTITIONING = 'PartitionedLogs1764710000000';
const LOGS = ['events', 'webhook_attempts', 'job_attempts'];

/** The columns a log has before the migration: later migrations may add some (left out). */
const columns: Record<string, string[]> = {};

/** A digest of every row of a table, in key order, over the columns it had before. */
async function digest(c: pg.Client, table: string): Promise<{ rows: number; md5: string }> {
  columns[table] ??= (
    await c.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    )
  ).rows.map((r) => r.name);
  const { rows } = await c.query<{ n: string; md5: string }>(
    `SELECT count(*)::text AS n, md5(coalesce(string_agg(
       (SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(t)) e (k, v) WHERE k = ANY($1))::text,
       '|' ORDER BY t.id), '')) AS md5
     FROM ${table} t`,
    [columns[table]],
  );
  return { rows: Number(rows[0].n), md5: rows[0].md5 };
}

async function fill(c: pg.Client): Promise<void> {
  // Rows spread over 40 days, some in the future of the migration's first bound.
  await c.query(
    `INSERT INTO events (type, source, data, created_at)
     SELECT 'order.created', 'shop', jsonb_build_object('n', g), now() - (g || ' hours')::interval
     FROM generate_series(-3, 960) g`,
  );
  const [{ id: endpoint }] = (
    await c.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (url, secrets) VALUES ('http://127.0.0.1:9/hook', '[]') RETURNING id`,
    )
  ).rows;
  const { rows: deliveries } = await c.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
     SELECT $1, g, 'order.created', '{}' FROM generate_series(1, 50) g RETURNING id`,
    [endpoint],
  );
  for (const [i, d] of deliveries.entries())
    await c.query(
      `INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code, instance_id)
       SELECT $1, $2, a, now() - (($3 * 7 + a) || ' hours')::interval, 12, 500, 'i-1' FROM generate_series(1, 3) a`,
      [d.id, endpoint, i],
    );
  const { rows: jobs } = await c.query<{ id: string }>(
    `INSERT INTO jobs (queue, status) SELECT 'q', 'succeeded' FROM generate_series(1, 20) RETURNING id`,
  );
  for (const [i, j] of jobs.entries())
    await c.query(
      `INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, instance)
       VALUES ($1, 1, now() - ($2 || ' days')::interval, 5, 'done', 'i-1')`,
      [j.id, i],
    );
}

describe('partitioning migration on a database with data', () => {
  it('keeps every row, continues the ids, drops the attempt foreign keys, and down gives plain tables back', async () => {
    const url = await emptyDatabase('partmig');
    await migrateBefore(url, PARTITIONING);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // Plain tables before: the test is honest only if the rows go in before the migration.
      const { rows: kinds } = await c.query<{ relkind: string }>(
        `SELECT relkind FROM pg_class WHERE relname = ANY($1) ORDER BY relname`,
        [LOGS],
      );
      expect(kinds.map((k) => k.relkind)).toEqual(['r', 'r', 'r']);
      await fill(c);
      const before = Object.fromEntries(
        await Promise.all(LOGS.map(async (t) => [t, await digest(c, t)] as const)),
      );
      const maxIds = Object.fromEntries(
        await Promise.all(
          LOGS.map(
            async (t) =>
              [
                t,
                Number((await c.query(`SELECT max(id)::text AS m FROM ${t}`)).rows[0].m),
              ] as const,
          ),
        ),
      );

      expect(await runMigrations(url)).toContain(PARTITIONING);

      for (const t of LOGS) {
        const { rows } = await c.query<{ relkind: string; parts: number }>(
          `SELECT relkind, (SELECT count(*)::int FROM pg_inherits WHERE inhparent = $1::regclass) AS parts
           FROM pg_class WHERE oid = $1::regclass`,
          [t],
        );
        expect(rows[0]).toEqual({ relkind: 'p', parts: 2 }); // the old table and DEFAULT
        expect(await digest(c, t)).toEqual(before[t]);
        const { rows: legacy } = await c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${t}_legacy`,
        );
        expect(Number(legacy[0].n)).toBe(before[t].rows);
      }

      // New rows get ids past the old ones (the sequence starts where the identity was).
      const { rows: fresh } = await c.query<{ id: string }>(
        `INSERT INTO events (type, source) VALUES ('x', 'y') RETURNING id::text`,
      );
      expect(Number(fresh[0].id)).toBeGreaterThan(maxIds.events);

      // The attempt logs keep no foreign key (a delete of a delivery or job would probe every
      // range): an attempt outlives its deleted delivery until its range goes.
      const { rows: fks } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_constraint
         WHERE contype = 'f' AND conrelid = ANY(ARRAY['webhook_attempts', 'job_attempts']::regclass[])`,
      );
      expect(fks[0].n).toBe(0);
      const attemptsBefore = (await digest(c, 'webhook_attempts')).rows;
      await c.query(
        `DELETE FROM webhook_deliveries WHERE id = (SELECT delivery_id FROM webhook_attempts ORDER BY id LIMIT 1)`,
      );
      expect((await digest(c, 'webhook_attempts')).rows).toBe(attemptsBefore);

      // down: plain tables with every row again, identity ids going on past the newest.
      const afterUp = Object.fromEntries(
        await Promise.all(LOGS.map(async (t) => [t, await digest(c, t)] as const)),
      );
      // Later migrations are undone first, down to this one.
      await undoThrough(url, PARTITIONING);
      for (const t of LOGS) {
        const { rows } = await c.query<{ relkind: string }>(
          `SELECT relkind FROM pg_class WHERE oid = $1::regclass`,
          [t],
        );
        expect(rows[0].relkind).toBe('r');
        expect(await digest(c, t)).toEqual(afterUp[t]);
      }
      const { rows: again } = await c.query<{ id: string }>(
        `INSERT INTO events (type, source) VALUES ('x', 'y') RETURNING id::text`,
      );
      expect(Number(again[0].id)).toBeGreaterThan(Number(fresh[0].id));
    } finally {
      await c.end();
    }
  });
});
