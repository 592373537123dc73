import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { describePlace, LogPlace, LogPlaceGuard } from '../../database/log-place-guard.js';
import { rawWrite } from '../../database/raw-write.js';
import { newLogId } from '../cursor.js';

/**
 * The identity of the sync change log (a one-row table), and the switch to a new log when the
 * database turns out to be a restored or moved copy (the check is LogPlaceGuard's, shared with
 * the event bus). Positions are (xid8, sequence), and a copy's xids are not the original's:
 * restored rows keep their stored xids while new writes take the new server's, which may be
 * lower. So the rows of the copy are re-stamped below every position the new log will hand
 * out, and the log gets a new id, which every cursor carries: a cursor of the old log is a
 * 410 reset (docs/sync-protocol.md, Cursors).
 */
@Injectable()
export class SyncLogIdentity extends LogPlaceGuard implements OnApplicationBootstrap {
  protected readonly logger = new Logger(SyncLogIdentity.name);

  constructor(@InjectDataSource() dataSource: DataSource) {
    super(dataSource, 'sync_log_identity', [
      'sync_log_identity',
      'sync_changes',
      'sync_space_members',
      'sync_horizons',
    ]);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.verify();
  }

  protected async first(m: EntityManager, live: LogPlace): Promise<void> {
    // First start with log ids (a new database, or an upgrade): cursors of the previous
    // format were issued on this very log, so they stay valid (legacy_cursors).
    await m.query(
      `INSERT INTO sync_log_identity (log_id, system_identifier, timeline, database_oid, table_oid, legacy_cursors)
       VALUES ($1, $2, $3, $4::oid, $5::oid, true)`,
      [newLogId(), live.system, live.timeline, live.database, live.table],
    );
  }

  protected async moved(
    m: EntityManager,
    stored: LogPlace,
    live: LogPlace,
    start: string,
  ): Promise<void> {
    // Rows and memberships stamped at or above `start` come from the copy and are moved to 0,
    // below every position the new log hands out (seq keeps them unique and in order).
    // Horizons that high become that xid: every such row is then behind it.
    const [{ old }]: { old: string }[] = await m.query(
      `SELECT log_id AS old FROM sync_log_identity`,
    );
    const { affected: rows } = await rawWrite(
      m,
      `UPDATE sync_changes SET tx = '0' WHERE tx >= $1::xid8`,
      [start],
    );
    // Their watermarks are in the other server's xid space: no longer witnesses of a time.
    await rawWrite(m, `UPDATE sync_changes SET snap_xmin = NULL WHERE snap_xmin IS NOT NULL`, []);
    await m.query(`UPDATE sync_space_members SET added_tx = '0' WHERE added_tx >= $1::xid8`, [
      start,
    ]);
    await m.query(`UPDATE sync_horizons SET tx = $1::xid8, seq = 0 WHERE tx >= $1::xid8`, [start]);
    const logId = newLogId();
    await m.query(
      `UPDATE sync_log_identity SET log_id = $1, legacy_cursors = false, started_at = now()`,
      [logId],
    );
    this.logger.warn(
      `this database is a restored or moved copy of the sync change log ${old} ` +
        `(${describePlace(stored)}; now ${describePlace(live)}): started log ${logId}, re-stamped ${rows} ` +
        `change-log rows; every sync cursor issued before is answered 410 { reset: true }`,
    );
  }
}
