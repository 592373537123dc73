import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log-scan rules (log lines in, events out) and the state that must hold across instances:
 * per-rule cooldowns and per-source token buckets (locked per source while a request runs),
 * counters for GET /logs/stats, and a version row bumped with every rule change so each
 * instance knows when its compiled rule cache is stale.
 *
 * A rule with `source` NULL is global; with a source it is that source's own rule, and with
 * `overrides` it replaces (or, disabled, mutes) one global rule for that source. Deleting the
 * global rule deletes its overrides and cooldowns in the same statement (ON DELETE CASCADE).
 */
export class LogScan1764660000000 implements MigrationInterface {
  name = 'LogScan1764660000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE log_scan_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        pattern text NOT NULL,
        stream text CHECK (stream IN ('stdout', 'stderr')),
        severity text NOT NULL,
        event_type text NOT NULL DEFAULT 'log.match',
        cooldown_ms integer NOT NULL DEFAULT 0 CHECK (cooldown_ms >= 0),
        source text,
        overrides uuid REFERENCES log_scan_rules (id) ON DELETE CASCADE,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (overrides IS NULL OR source IS NOT NULL)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX log_scan_rules_name_uq ON log_scan_rules (COALESCE(source, ''), name)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX log_scan_rules_override_uq ON log_scan_rules (source, overrides) WHERE overrides IS NOT NULL`,
    );
    await q.query(`CREATE INDEX log_scan_rules_list_idx ON log_scan_rules (created_at, id)`);
    await q.query(`
      CREATE TABLE log_scan_rules_version (
        id smallint PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL
      )`);
    await q.query(`INSERT INTO log_scan_rules_version (id, version) VALUES (1, 0)`);
    await q.query(`
      CREATE TABLE log_scan_buckets (
        source text PRIMARY KEY,
        tokens double precision NOT NULL,
        refilled_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE log_scan_cooldowns (
        rule_id uuid NOT NULL REFERENCES log_scan_rules (id) ON DELETE CASCADE,
        source text NOT NULL,
        until timestamptz NOT NULL,
        PRIMARY KEY (rule_id, source)
      )`);
    await q.query(`
      CREATE TABLE log_scan_source_stats (
        source text PRIMARY KEY,
        lines_in bigint NOT NULL DEFAULT 0,
        lines_truncated bigint NOT NULL DEFAULT 0,
        last_seen_at timestamptz NOT NULL
      )`);
    // No foreign key: a deleted rule's counts stay in the totals (with the name it had).
    await q.query(`
      CREATE TABLE log_scan_rule_stats (
        rule_id uuid NOT NULL,
        source text NOT NULL,
        rule_name text NOT NULL,
        hits bigint NOT NULL DEFAULT 0,
        published bigint NOT NULL DEFAULT 0,
        dropped_cooldown bigint NOT NULL DEFAULT 0,
        dropped_rate_limit bigint NOT NULL DEFAULT 0,
        last_hit_at timestamptz NOT NULL,
        PRIMARY KEY (rule_id, source)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE log_scan_rule_stats, log_scan_source_stats, log_scan_cooldowns, log_scan_buckets,
       log_scan_rules_version, log_scan_rules`,
    );
  }
}
