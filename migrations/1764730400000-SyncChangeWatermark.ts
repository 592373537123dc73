import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * snap_xmin: the oldest transaction still open when the writing statement took its snapshot
 * (pg_snapshot_xmin). A push now also sets created_at to a clock read after that snapshot,
 * so a row is a witness: every change that commits after its created_at has a transaction id
 * at or above its snap_xmin. That maps an RFC 3339 `since` (mana-sync's cursors) to a
 * position at or before that time (ChangeLogRepository.positionAt). Rows written before this
 * migration have none and are never used as witnesses.
 *
 * mana_sync_pull: an app setting; pull answers then also carry mana-sync's `serverChanges`.
 */
export class SyncChangeWatermark1764730400000 implements MigrationInterface {
  name = 'SyncChangeWatermark1764730400000';

  public async up(q: QueryRunner): Promise<void> {
    // No default: adding the column rewrites nothing; the push sets it.
    await q.query(`ALTER TABLE sync_changes ADD COLUMN snap_xmin xid8`);
    await q.query(
      `ALTER TABLE sync_app_settings ADD COLUMN mana_sync_pull boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_app_settings DROP COLUMN mana_sync_pull`);
    await q.query(`ALTER TABLE sync_changes DROP COLUMN snap_xmin`);
  }
}
