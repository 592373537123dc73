import pg from 'pg';
import { waitForIdle } from '../../src/testing/wait-for-idle.js';

/**
 * Row count and a content hash of every table in a suite's database, to prove a refused
 * request wrote nothing (no insert, no update). Tables whose rows move on their own
 * (consumer cursors follow the transaction-id watermark) are compared by count only.
 */
const COUNT_ONLY = new Set(['event_consumers']);

export type TableState = Record<string, string>;

export async function tableState(databaseUrl: string): Promise<TableState> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const state: TableState = {};
    for (const { name } of tables.rows) {
      const ident = client.escapeIdentifier(name);
      const hash = COUNT_ONLY.has(name)
        ? `''`
        : `coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')`;
      const row = await client.query<{ n: string; h: string }>(
        `SELECT count(*)::text AS n, ${hash} AS h FROM ${ident} t`,
      );
      state[name] = `${row.rows[0].n} rows ${row.rows[0].h}`.trim();
    }
    return state;
  } finally {
    await client.end();
  }
}

/**
 * The state once background work (consumers reacting to fixtures, the jobs and deliveries
 * they start) is done: waits on the hub's backlog (the testing kit's `waitForIdle`), not on
 * the clock.
 */
export async function settledTableState(
  databaseUrl: string,
  timeoutMs = 20000,
): Promise<TableState> {
  await waitForIdle({ databaseUrl }, { timeoutMs });
  return tableState(databaseUrl);
}
