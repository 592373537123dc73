import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newLogId } from '../cursor.js';

/** Where the change log's positions live: its xid space and the physical copy of the table. */
interface Place {
  /** pg_control_system().system_identifier: a new cluster (initdb, pg_upgrade) has another. */
  system: string | null;
  /** The WAL timeline: a point-in-time restore or a promoted replica starts a new one. */
  timeline: string | null;
  /** The database's oid: a restore into another database (or a TEMPLATE copy) has another. */
  database: string;
  /** sync_log_identity's own oid: a restore into the same database recreates the table. */
  table: string;
}

interface Stored extends Place {
  logId: string;
}

/** How often a request re-checks the place (at start-up it is always checked). */
export const RECHECK_MS = 30_000;

const PLACE_COLUMNS = `(SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database,
  'sync_log_identity'::regclass::oid::text AS "table"`;
const FULL_PLACE = `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system,
  substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS timeline, ${PLACE_COLUMNS}`;
// For servers that refuse those functions to the app's role: then only a restore into another
// database or a recreated table is noticed (docs/operations.md says so).
const BASIC_PLACE = `SELECT NULL AS system, NULL AS timeline, ${PLACE_COLUMNS}`;

/**
 * The identity of the sync change log (a one-row table), and the switch to a new log when the
 * database turns out to be a restored or moved copy. Positions are (xid8, sequence), and a
 * copy's xids are not the original's: restored rows keep their stored xids while new writes
 * take the new server's, which may be lower. So the rows of the copy are re-stamped below
 * every position the new log will hand out, and the log gets a new id, which every cursor
 * carries: a cursor of the old log is a 410 reset (docs/sync-protocol.md, Cursors).
 */
@Injectable()
export class SyncLogIdentity implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncLogIdentity.name);
  private checkedAt = -Infinity;
  private checking?: Promise<void>;
  private basicOnly = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.verify();
  }

  /** Before a request reads or writes the log: a cached check, a query every RECHECK_MS. */
  ensureCurrent(): Promise<void> {
    if (performance.now() - this.checkedAt < RECHECK_MS) return Promise.resolve();
    this.checking ??= this.verify().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Compares the stored place with the live one; starts a new log when they differ. */
  async verify(): Promise<void> {
    const started = performance.now();
    const m = this.dataSource.manager;
    const [stored, live] = [await this.stored(m), await this.place(m)];
    if (!stored || !samePlace(stored, live))
      await this.dataSource.transaction((t) => this.switchLog(t));
    this.checkedAt = started;
  }

  private async switchLog(m: EntityManager): Promise<void> {
    // Waits for writers of the log in flight and holds new ones until this commits, so every
    // row present is committed and every later row is written under the new log. Readers go on.
    await m.query(
      `LOCK TABLE sync_log_identity, sync_changes, sync_space_members, sync_horizons IN SHARE ROW EXCLUSIVE MODE`,
    );
    const [stored, live] = [await this.stored(m), await this.place(m)];
    if (stored && samePlace(stored, live)) return; // another instance switched meanwhile
    const logId = newLogId();
    if (!stored) {
      // First start with log ids (a new database, or an upgrade): cursors of the previous
      // format were issued on this very log, so they stay valid (legacy_cursors).
      await m.query(
        `INSERT INTO sync_log_identity (log_id, system_identifier, timeline, database_oid, table_oid, legacy_cursors)
         VALUES ($1, $2, $3, $4::oid, $5::oid, true)`,
        [logId, live.system, live.timeline, live.database, live.table],
      );
      return;
    }
    // Every xid at or above the oldest running one may be the new server's: rows and
    // memberships stamped that high come from the copy and are moved to 0, below every
    // position the new log hands out (seq keeps them unique and in order). Horizons that
    // high become that xid: every such row is then behind it.
    const [{ start }]: { start: string }[] = await m.query(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS start`,
    );
    const [, rows]: [unknown, number] = await m.query(
      `UPDATE sync_changes SET tx = '0' WHERE tx >= $1::xid8`,
      [start],
    );
    await m.query(`UPDATE sync_space_members SET added_tx = '0' WHERE added_tx >= $1::xid8`, [
      start,
    ]);
    await m.query(`UPDATE sync_horizons SET tx = $1::xid8, seq = 0 WHERE tx >= $1::xid8`, [start]);
    await m.query(
      `UPDATE sync_log_identity SET log_id = $1, system_identifier = $2, timeline = $3,
         database_oid = $4::oid, table_oid = $5::oid, legacy_cursors = false, started_at = now()`,
      [logId, live.system, live.timeline, live.database, live.table],
    );
    this.logger.warn(
      `this database is a restored or moved copy of the sync change log ${stored.logId} ` +
        `(${describe(stored)}; now ${describe(live)}): started log ${logId}, re-stamped ${rows} ` +
        `change-log rows; every sync cursor issued before is answered 410 { reset: true }`,
    );
  }

  private async stored(m: EntityManager): Promise<Stored | undefined> {
    const [row]: Stored[] = await m.query(
      `SELECT log_id AS "logId", system_identifier AS system, timeline,
              database_oid::text AS database, table_oid::text AS "table"
       FROM sync_log_identity`,
    );
    return row;
  }

  private async place(m: EntityManager): Promise<Place> {
    if (!this.basicOnly) {
      try {
        const [row]: Place[] = await m.query(FULL_PLACE);
        return row;
      } catch (err) {
        // Outside a transaction only: inside one, the failed statement would abort it.
        if (m.queryRunner?.isTransactionActive) throw err;
        this.basicOnly = true;
        this.logger.warn(
          `cannot read the server's system identifier or WAL timeline (${(err as Error).message}); ` +
            'a restore onto another server is noticed only by its database and table oids',
        );
      }
    }
    const [row]: Place[] = await m.query(BASIC_PLACE);
    return row;
  }
}

function samePlace(a: Place, b: Place): boolean {
  return (
    a.system === b.system &&
    a.timeline === b.timeline &&
    a.database === b.database &&
    a.table === b.table
  );
}

function describe(p: Place): string {
  return `system ${p.system ?? '?'}, timeline ${p.timeline ?? '?'}, database oid ${p.database}, table oid ${p.table}`;
}
