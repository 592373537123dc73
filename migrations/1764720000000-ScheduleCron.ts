import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules by calendar as well as by period: a job_schedules row has either `every_ms` or a
 * `cron` expression read in `time_zone` (its next run is computed by the app with the `cron`
 * package, src/jobs/cron.ts). A calendar binding may carry its own `sync_cron` and
 * `sync_time_zone` instead of CALENDAR_SYNC_INTERVAL.
 */
export class ScheduleCron1764720000000 implements MigrationInterface {
  name = 'ScheduleCron1764720000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_schedules ALTER COLUMN every_ms DROP NOT NULL`);
    await q.query(`ALTER TABLE job_schedules ADD COLUMN cron text, ADD COLUMN time_zone text`);
    await q.query(`
      ALTER TABLE job_schedules
        ADD CONSTRAINT job_schedules_period_chk CHECK ((every_ms IS NULL) <> (cron IS NULL)),
        ADD CONSTRAINT job_schedules_time_zone_chk CHECK ((cron IS NULL) = (time_zone IS NULL))`);
    await q.query(
      `ALTER TABLE calendar_bindings ADD COLUMN sync_cron text, ADD COLUMN sync_time_zone text`,
    );
    await q.query(`
      ALTER TABLE calendar_bindings ADD CONSTRAINT calendar_bindings_sync_cron_chk
        CHECK ((sync_cron IS NULL) = (sync_time_zone IS NULL))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_bindings DROP CONSTRAINT calendar_bindings_sync_cron_chk`);
    await q.query(
      `ALTER TABLE calendar_bindings DROP COLUMN sync_cron, DROP COLUMN sync_time_zone`,
    );
    await q.query(`DELETE FROM job_schedules WHERE cron IS NOT NULL`);
    await q.query(`
      ALTER TABLE job_schedules DROP CONSTRAINT job_schedules_period_chk,
        DROP CONSTRAINT job_schedules_time_zone_chk, DROP COLUMN cron, DROP COLUMN time_zone`);
    await q.query(`ALTER TABLE job_schedules ALTER COLUMN every_ms SET NOT NULL`);
  }
}
