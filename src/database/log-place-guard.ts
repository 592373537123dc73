import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Where a log positioned by xid8 lives: its xid space and the physical copy of its table.
 * Restored or moved rows keep the xids of the server they were written on, which may be
 * higher than every xid the server they now live on hands out.
 */
export interface LogPlace {
  /** pg_control_system().system_identifier: a new cluster (initdb, pg_upgrade) has another. */
  system: string | null;
  /** The WAL timeline: a point-in-time restore or a promoted replica starts a new one. */
  timeline: string | null;
  /** The database's oid: a restore into another database (or a TEMPLATE copy) has another. */
  database: string;
  /** The identity table's own oid: a restore into the same database recreates the table. */
  table: string;
}

/** How often a caller re-checks the place (at start-up it is always checked). */
export const RECHECK_MS = 30_000;

/**
 * The check every xid8-positioned log shares (the sync change log, the event bus): a one-row
 * identity table holds where the log was (system_identifier, timeline, database_oid,
 * table_oid); when the live place differs, the database is a restored or moved copy and the
 * subclass re-stamps its rows, in one transaction that holds the log's writers, below every
 * xid the new server hands out. Subclasses: src/sync/log/log-identity.ts,
 * src/events/event-log-identity.ts.
 */
export abstract class LogPlaceGuard {
  protected abstract readonly logger: Logger;
  private checkedAt = -Infinity;
  private checking?: Promise<void>;
  private basicOnly = false;

  constructor(
    protected readonly dataSource: DataSource,
    /** The one-row identity table. */
    private readonly identityTable: string,
    /** Locked (SHARE ROW EXCLUSIVE) while the place is switched: the identity table first. */
    private readonly lockTables: string[],
  ) {}

  /** First start (no stored row): record the live place. */
  protected abstract first(m: EntityManager, live: LogPlace): Promise<void>;

  /**
   * The database is a restored or moved copy: re-stamp every position at or above `start`
   * (the new server's oldest running xid) and record `live`. Runs under the lock.
   */
  protected abstract moved(
    m: EntityManager,
    stored: LogPlace,
    live: LogPlace,
    start: string,
  ): Promise<void>;

  /** A cached check, a query every RECHECK_MS. */
  ensureCurrent(): Promise<void> {
    if (performance.now() - this.checkedAt < RECHECK_MS) return Promise.resolve();
    this.checking ??= this.verify().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Compares the stored place with the live one; switches when they differ. */
  async verify(): Promise<void> {
    const started = performance.now();
    const m = this.dataSource.manager;
    const [stored, live] = [await this.stored(m), await this.place(m)];
    if (!stored || !samePlace(stored, live))
      await this.dataSource.transaction((t) => this.switchPlace(t));
    this.checkedAt = started;
  }

  private async switchPlace(m: EntityManager): Promise<void> {
    // Waits for writers of the log in flight and holds new ones until this commits, so every
    // row present is committed and every later row is written at the new place. Readers go on.
    await m.query(`LOCK TABLE ${this.lockTables.join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
    const [stored, live] = [await this.stored(m), await this.place(m)];
    if (stored && samePlace(stored, live)) return; // another instance switched meanwhile
    if (!stored) return this.first(m, live);
    // Every xid at or above the oldest running one may be the new server's: positions that
    // high come from the copy and are moved below every position the new server hands out.
    const [{ start }]: { start: string }[] = await m.query(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS start`,
    );
    await this.moved(m, stored, live, start);
    await m.query(
      `UPDATE ${this.identityTable} SET system_identifier = $1, timeline = $2,
         database_oid = $3::oid, table_oid = $4::oid`,
      [live.system, live.timeline, live.database, live.table],
    );
  }

  private async stored(m: EntityManager): Promise<LogPlace | undefined> {
    const [row]: LogPlace[] = await m.query(
      `SELECT system_identifier AS system, timeline, database_oid::text AS database,
              table_oid::text AS "table"
       FROM ${this.identityTable}`,
    );
    return row;
  }

  private async place(m: EntityManager): Promise<LogPlace> {
    const columns = `(SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database,
      '${this.identityTable}'::regclass::oid::text AS "table"`;
    if (!this.basicOnly) {
      try {
        const [row]: LogPlace[] = await m.query(
          `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system,
             substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS timeline, ${columns}`,
        );
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
    // For servers that refuse those functions to the app's role: then only a restore into
    // another database or a recreated table is noticed (docs/operations.md says so).
    const [row]: LogPlace[] = await m.query(`SELECT NULL AS system, NULL AS timeline, ${columns}`);
    return row;
  }
}

function samePlace(a: LogPlace, b: LogPlace): boolean {
  return (
    a.system === b.system &&
    a.timeline === b.timeline &&
    a.database === b.database &&
    a.table === b.table
  );
}

export function describePlace(p: LogPlace): string {
  return `system ${p.system ?? '?'}, timeline ${p.timeline ?? '?'}, database oid ${p.database}, table oid ${p.table}`;
}
