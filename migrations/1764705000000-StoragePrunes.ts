import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage maintenance: one row per registered table with its last prune, shared by every
 * instance and kept across restarts (GET /admin/storage, hub_table_pruned_rows_total). The
 * one maintenance schedule (`storage.maintenance`) replaces the hourly `webhooks.retention`
 * and `jobs.retention` schedules, whose rows and pending runs go.
 */
export class StoragePrunes1764705000000 implements MigrationInterface {
  name = 'StoragePrunes1764705000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE storage_prunes (
        table_name    text PRIMARY KEY,
        pruned_at     timestamptz NOT NULL,
        rows_removed  bigint NOT NULL,
        duration_ms   integer NOT NULL,
        caught_up     boolean NOT NULL,
        total_removed bigint NOT NULL DEFAULT 0
      )`);
    await q.query(
      `DELETE FROM job_schedules WHERE queue IN ('webhooks.retention', 'jobs.retention')`,
    );
    await q.query(
      `DELETE FROM jobs WHERE queue IN ('webhooks.retention', 'jobs.retention') AND status = 'pending'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE storage_prunes`);
  }
}
