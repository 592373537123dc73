/** Anything raw SQL runs on: a DataSource, an EntityManager or a QueryRunner. */
export interface RawQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** What a raw write answered: its RETURNING rows and the rows it touched. */
export interface RawWrite<T> {
  rows: T[];
  affected: number;
}

/**
 * Runs a raw INSERT, UPDATE or DELETE. TypeORM's PostgreSQL driver answers UPDATE and DELETE
 * with `[rows, affectedCount]` and every other statement with the rows alone; this is the one
 * place that tells the two apart, so no caller decodes the tuple by hand.
 */
export async function rawWrite<T = Record<string, unknown>>(
  db: RawQueryable,
  sql: string,
  parameters: unknown[] = [],
): Promise<RawWrite<T>> {
  const result = await db.query(sql, parameters);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return { rows: result[0] as T[], affected: result[1] };
  const rows = (Array.isArray(result) ? result : []) as T[];
  return { rows, affected: rows.length };
}
