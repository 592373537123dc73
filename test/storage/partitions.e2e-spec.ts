import pg from 'pg';
import request from 'supertest';
import { PartitionMaintenance } from '../../src/storage/partition-maintenance.js';
import { RETENTION_TABLES, RetentionTable } from '../../src/storage/retention-tables.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';

/**
 * Partition maintenance of the partitioned logs (docs/operations.md, "Partitioned logs"):
 * ranges ahead, rows that found no range moved out of DEFAULT, expired ranges dropped whole,
 * and the bus log's ranges held while a consumer has not passed them. Time is moved by
 * passing `now` to the maintenance, never by waiting.
 */
const HOUR = 3_600_000;
const table = (name: string): RetentionTable => RETENTION_TABLES.find((t) => t.table === name)!;

describe('partition maintenance', () => {
  let hub: TestApp;
  let db: pg.Client;
  let partitions: PartitionMaintenance;

  beforeAll(async () => {
    hub = await startTestApp({ env: { STORAGE_PARTITION_INTERVAL: '1h' } });
    db = new pg.Client({ connectionString: hub.databaseUrl });
    await db.connect();
    partitions = hub.app.get(PartitionMaintenance);
  });

  afterAll(async () => {
    await db?.end();
    await hub?.close();
  });

  async function ranges(parent: string): Promise<{ name: string; from: number; to: number }[]> {
    const { rows } = await db.query<{ name: string; from: Date | null; to: Date | null }>(
      `SELECT c.relname AS name,
         (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS "from",
         (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS "to"
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
       ORDER BY 3`,
      [parent],
    );
    return rows.map((r) => ({
      name: r.name,
      from: r.from?.getTime() ?? -Infinity,
      to: r.to!.getTime(),
    }));
  }

  /**
   * Each range starts where the one before ends. After the table the migration attached
   * (ending at the minute it ran), the first range made at start-up starts at that minute, or
   * at the start of the hour the app started in when that came later: nothing ran in the
   * gap, and ranges are not made below now (PartitionMaintenance.ensure).
   */
  function expectContiguous(list: { name: string; from: number; to: number }[]): void {
    for (let i = 1; i < list.length; i++) {
      if (list[i - 1].name.endsWith('_legacy') && list[i].from !== list[i - 1].to) {
        expect(list[i].from).toBeGreaterThan(list[i - 1].to);
        expect(list[i].from % HOUR).toBe(0);
      } else expect(list[i].from).toBe(list[i - 1].to);
    }
  }

  async function where(parent: string, id: string): Promise<string | undefined> {
    const { rows } = await db.query<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM ${parent} WHERE id = $1`,
      [id],
    );
    return rows[0]?.part;
  }

  async function attempt(startedAt: number): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `WITH j AS (INSERT INTO jobs (queue, status) VALUES ('test.partitions', 'succeeded') RETURNING id)
       INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, instance)
       SELECT id, 1, $1, 1, 'done', 'test' FROM j RETURNING id::text`,
      [new Date(startedAt)],
    );
    return rows[0].id;
  }

  it('keeps contiguous hour ranges ahead of now, and a second pass adds none', async () => {
    // Start-up made them; a pass now adds at most the hour that began since.
    await partitions.ensure(table('job_attempts'));
    const now = Date.now();
    const list = await ranges('job_attempts');
    expectContiguous(list);
    // Hour bounds, but for the end of the table the migration attached (to the minute).
    for (const r of list.filter((p) => p.name !== 'job_attempts_legacy'))
      expect(r.to % HOUR).toBe(0);
    expect(list.at(-1)!.to).toBeGreaterThanOrEqual(now + 2 * HOUR - 60_000);
    expect(await partitions.ensure(table('job_attempts'), now)).toBe(0);
  });

  it('creates each range once when two instances ensure at the same time', async () => {
    // Within reach of the ranges made at start-up: a range is never made below `now`.
    const later = Date.now() + 3 * HOUR;
    const before = (await ranges('webhook_attempts')).length;
    const created = await Promise.all([
      partitions.ensure(table('webhook_attempts'), later),
      partitions.ensure(table('webhook_attempts'), later),
    ]);
    const after = await ranges('webhook_attempts');
    expect(created[0] + created[1]).toBe(after.length - before);
    expect(new Set(after.map((r) => r.name)).size).toBe(after.length);
    expectContiguous(after);
  });

  it('moves a row that found no range out of DEFAULT when its range is created', async () => {
    const newest = (await ranges('job_attempts')).at(-1)!.to;
    const beyond = newest + 30 * 60_000;
    const id = await attempt(beyond);
    expect(await where('job_attempts', id)).toBe('job_attempts_default');
    // Seen from when the newest range ends: the next ones are made, and the row moves.
    await partitions.ensure(table('job_attempts'), newest);
    const part = await where('job_attempts', id);
    expect(part).toMatch(/^job_attempts_p\d{12}$/);
    const range = (await ranges('job_attempts')).find((r) => r.name === part)!;
    expect(beyond).toBeGreaterThanOrEqual(range.from);
    expect(beyond).toBeLessThan(range.to);
  });

  it('drops whole ranges older than the retention and keeps the newer ones', async () => {
    const now = Date.now();
    const old = await attempt(now);
    const recent = await attempt((await ranges('job_attempts')).at(-1)!.from);
    // Seen from two hours on, with a one-hour retention: the range holding `old` has ended.
    const pass = await partitions.pass(table('job_attempts'), HOUR, now + 2 * HOUR);
    expect(pass.dropped).toBeGreaterThanOrEqual(1);
    expect(await where('job_attempts', old)).toBeUndefined();
    expect(await where('job_attempts', recent)).toMatch(/^job_attempts_p/);
    expect((await ranges('job_attempts'))[0].from).toBeGreaterThan(now);
    expect(pass.rowPruned).toEqual(['job_attempts_default']);
  });

  it('holds a range of the bus log while a consumer has not passed its events, then drops it', async () => {
    const now = Date.now();
    await db.query(
      `INSERT INTO event_consumers (name, cursor_tx, cursor_event_id) VALUES ('test.stopped', '0', 0)`,
    );
    const { rows } = await db.query<{ id: string; tx: string }>(
      `INSERT INTO events (type, source) VALUES ('test.held', 'test') RETURNING id::text, tx::text`,
    );
    const held = await partitions.pass(table('events'), HOUR, now + 2 * HOUR);
    expect(held.held).toBe(1);
    expect(await where('events', rows[0].id)).toBeDefined();

    // The stopped consumer moves past it; the app's own consumers pass it as they read on.
    await db.query(
      `UPDATE event_consumers SET cursor_tx = $1::xid8, cursor_event_id = $2 WHERE name = 'test.stopped'`,
      [rows[0].tx, rows[0].id],
    );
    await waitFor(async () => {
      const freed = await partitions.pass(table('events'), HOUR, now + 2 * HOUR);
      return freed.held === 0;
    });
    expect(await where('events', rows[0].id)).toBeUndefined();
  });

  it('reports partitions in GET /admin/storage', async () => {
    const res = await request(hub.url).get('/admin/storage').set(bearer(hub.adminToken));
    expect(res.status).toBe(200);
    const byName = new Map(
      (res.body.tables as { table: string; partitions: number | null }[]).map((t) => [
        t.table,
        t.partitions,
      ]),
    );
    expect(byName.get('events')).toBe((await ranges('events')).length + 1);
    expect(byName.get('job_attempts')).toBeGreaterThan(1);
    expect(byName.get('webhook_deliveries')).toBeNull();
  });
});
