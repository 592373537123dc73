import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';
import type { RetentionTable } from './retention-tables.js';

export interface LastPrune {
  table: string;
  prunedAt: Date;
  rowsRemoved: number;
  partitionsRemoved: number;
  durationMs: number;
  caughtUp: boolean;
  totalRemoved: number;
}

export interface TableSize {
  table: string;
  estimatedRows: number;
  totalBytes: number;
  oldestRowAgeSeconds: number | null;
  /** Partitions of a partitioned log (DEFAULT included); null for a plain table. */
  partitions: number | null;
}

/**
 * The SQL of storage maintenance. Table and column names come from RETENTION_TABLES
 * (constants), so they are written into the statement; values are parameters.
 */
@Injectable()
export class StorageRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deletes at most `batch` rows older than `retentionMs` in one statement (its own short
   * transaction: no long lock, no table rewrite). Returns the rows removed; fewer than
   * `batch` means the table is caught up.
   */
  async pruneBatch(t: RetentionTable, retentionMs: number, batch: number): Promise<number> {
    const old = [`t.${t.timeColumn} < now() - make_interval(secs => $1::float8)`, t.scope, t.where]
      .filter(Boolean)
      .map((c) => `(${c})`)
      .join(' AND ');
    // With a key that grows with time: only the head of the table in key order is looked
    // at, so a caught-up table costs one index probe of `batch` rows, never a full scan.
    const sql = t.orderKey
      ? `WITH head AS (SELECT t.${t.orderKey} AS k, (${old}) AS old FROM ${t.table} t ORDER BY t.${t.orderKey} LIMIT $2)
         DELETE FROM ${t.table} WHERE ${t.orderKey} IN (SELECT k FROM head WHERE old)`
      : `DELETE FROM ${t.table} WHERE ctid = ANY(ARRAY(SELECT t.ctid FROM ${t.table} t WHERE ${old} LIMIT $2))`;
    const { affected } = await rawWrite(this.dataSource, sql, [retentionMs / 1000, batch]);
    return affected;
  }

  async recordPrune(p: Omit<LastPrune, 'prunedAt' | 'totalRemoved'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO storage_prunes (table_name, pruned_at, rows_removed, duration_ms, caught_up, total_removed, partitions_removed)
       VALUES ($1, now(), $2, $3, $4, $2, $5)
       ON CONFLICT (table_name) DO UPDATE SET pruned_at = now(), rows_removed = EXCLUDED.rows_removed,
         duration_ms = EXCLUDED.duration_ms, caught_up = EXCLUDED.caught_up,
         total_removed = storage_prunes.total_removed + EXCLUDED.rows_removed,
         partitions_removed = EXCLUDED.partitions_removed`,
      [p.table, p.rowsRemoved, p.durationMs, p.caughtUp, p.partitionsRemoved],
    );
  }

  async lastPrunes(): Promise<Map<string, LastPrune>> {
    const rows: {
      table: string;
      prunedAt: Date;
      rowsRemoved: string;
      partitionsRemoved: string;
      durationMs: number;
      caughtUp: boolean;
      totalRemoved: string;
    }[] = await this.dataSource.query(
      `SELECT table_name AS "table", pruned_at AS "prunedAt", rows_removed AS "rowsRemoved",
              partitions_removed AS "partitionsRemoved",
              duration_ms AS "durationMs", caught_up AS "caughtUp", total_removed AS "totalRemoved"
       FROM storage_prunes`,
    );
    return new Map(
      rows.map((r) => [
        r.table,
        {
          ...r,
          rowsRemoved: Number(r.rowsRemoved),
          partitionsRemoved: Number(r.partitionsRemoved),
          totalRemoved: Number(r.totalRemoved),
        },
      ]),
    );
  }

  /**
   * Size from the catalog (the planner's row estimate, or the live-tuple count before the
   * first ANALYZE) and the oldest row's age: by the key's head where the table has one,
   * else min() of the time column (indexed, or a small table). Bytes include the tables
   * whose rows go with this one's (`dependents`).
   */
  async size(t: RetentionTable): Promise<TableSize> {
    // A partitioned table holds no rows itself: rows and bytes are its partitions' sums.
    const [row]: { rows: string; bytes: string; partitions: number; age: number | null }[] =
      await this.dataSource.query(
        `WITH rels AS (
           SELECT c.oid, c.relkind, c.reltuples FROM pg_class c WHERE c.oid = $1::regclass
           UNION ALL
           SELECT c.oid, c.relkind, c.reltuples FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = $1::regclass)
         SELECT
           (SELECT coalesce(sum(CASE WHEN r.reltuples >= 0 THEN r.reltuples::bigint ELSE s.n_live_tup END), 0)
              FROM rels r LEFT JOIN pg_stat_user_tables s ON s.relid = r.oid
              WHERE r.relkind <> 'p')::text AS rows,
           ((SELECT sum(pg_total_relation_size(r.oid)) FROM rels r) + (SELECT coalesce(sum(
              pg_total_relation_size(d::regclass)), 0) FROM unnest($2::text[]) d))::text AS bytes,
           (SELECT count(*) FROM rels r WHERE r.oid <> $1::regclass)::int AS partitions,
           EXTRACT(EPOCH FROM now() - (${
             t.orderKey
               ? `SELECT t.${t.timeColumn} FROM ${t.table} t ORDER BY t.${t.orderKey} LIMIT 1`
               : `SELECT min(t.${t.timeColumn}) FROM ${t.table} t${t.scope ? ` WHERE ${t.scope}` : ''}`
           }))::float8 AS age`,
        [t.table, t.dependents ?? []],
      );
    return {
      table: t.table,
      estimatedRows: Math.max(0, Number(row.rows)),
      totalBytes: Number(row.bytes),
      oldestRowAgeSeconds: row.age === null ? null : Math.max(0, row.age),
      partitions: t.partitioned ? row.partitions : null,
    };
  }
}
