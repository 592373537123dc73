import type { Agent } from 'node:http';
import type { Client } from 'pg';
import { promMetrics } from './heap-support.js';
import { api, BENCH_ADMIN_TOKEN } from './support.js';
import { rssKiB } from './sync-support.js';

/** One row of GET /admin/storage, with the rows counted (count(*)) next to the estimate. */
export interface TableSample {
  table: string;
  estimatedRows: number;
  actualRows: number;
  totalBytes: number;
  oldestRowAgeSeconds: number | null;
  retentionSeconds: number;
  lastPruneAt: string | null;
  lastPruneRows: number | null;
}

export interface Sample {
  /** Seconds since the steady traffic started. */
  t: number;
  dbBytes: number;
  rssKiB: number;
  heapUsedBytes: number | null;
  /** Total bytes of every table of the schema (a partitioned table with its partitions). */
  tableBytes: Record<string, number>;
  storage: TableSample[];
}

interface StorageView {
  tables: {
    table: string;
    estimatedRows: number;
    totalBytes: number;
    oldestRowAgeSeconds: number | null;
    retentionSeconds: number;
    lastPrune: { at: string; rowsRemoved: number } | null;
  }[];
}

/**
 * Reads the database (its size, every table's bytes, exact row counts of the registered
 * tables), the storage view the app serves, and the app's RSS from /proc.
 */
export async function takeSample(
  base: string,
  pid: number,
  pg: Client,
  agent: Agent,
  t: number,
): Promise<Sample> {
  const rss = rssKiB(pid);
  const metrics = await promMetrics(agent, base, BENCH_ADMIN_TOKEN).catch(() => undefined);
  const view = (await api(base, 'GET', '/admin/storage')) as StorageView;
  const [{ bytes: dbBytes }] = (
    await pg.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes')
  ).rows;
  // Partitions roll up into their root, so a partitioned table reads as one table.
  const sizes = await pg.query<{ name: string; bytes: string }>(
    `SELECT COALESCE(pg_partition_root(c.oid), c.oid)::regclass::text AS name,
            sum(pg_total_relation_size(c.oid)) AS bytes
     FROM pg_class c
     WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
     GROUP BY 1`,
  );
  const storage: TableSample[] = [];
  for (const row of view.tables) {
    const counted = await pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${pg.escapeIdentifier(row.table)}`,
    );
    storage.push({
      table: row.table,
      estimatedRows: row.estimatedRows,
      actualRows: Number(counted.rows[0].n),
      totalBytes: row.totalBytes,
      oldestRowAgeSeconds: row.oldestRowAgeSeconds,
      retentionSeconds: row.retentionSeconds,
      lastPruneAt: row.lastPrune?.at ?? null,
      lastPruneRows: row.lastPrune?.rowsRemoved ?? null,
    });
  }
  return {
    t,
    dbBytes: Number(dbBytes),
    rssKiB: rss,
    heapUsedBytes: metrics?.get('nodejs_heap_size_used_bytes') ?? null,
    tableBytes: Object.fromEntries(sizes.rows.map((r) => [r.name, Number(r.bytes)])),
    storage,
  };
}
