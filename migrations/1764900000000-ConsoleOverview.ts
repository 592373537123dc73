import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the console's overview charts read (GET /overview/series, docs/console.md):
 *
 * - `events_created_at_brin`: events accepted per bucket are counted by `created_at`, which no
 *   index covered (the partition bound only narrows to a day). A BRIN index, not a B-tree:
 *   rows arrive in `created_at` order, so one summary per 128 pages finds a time range, costs
 *   a few pages per partition, and adds nothing measurable to a publish (a B-tree would add
 *   one more index insert per event on the hottest path for a chart an operator opens).
 * - `log_scan_minutes`: lines in per minute and source. The log-scan counters are totals per
 *   source; this rollup is incremented once per ingest request (in its transaction, with the
 *   per-source total), keyed by source so concurrent sources never wait on one row. Pruned
 *   after 8 days by storage maintenance (the longest chart window is 7 days).
 */
export class ConsoleOverview1764900000000 implements MigrationInterface {
  name = 'ConsoleOverview1764900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX events_created_at_brin ON events USING brin (created_at) WITH (autosummarize = on)`,
    );
    await q.query(`
      CREATE TABLE log_scan_minutes (
        minute timestamptz NOT NULL,
        source text NOT NULL,
        lines bigint NOT NULL,
        PRIMARY KEY (minute, source)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE log_scan_minutes`);
    await q.query(`DROP INDEX events_created_at_brin`);
  }
}
