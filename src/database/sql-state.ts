/** PostgreSQL's SQLSTATE for an insert or update whose referenced row is gone. */
export const FOREIGN_KEY_VIOLATION = '23503';

/** The SQLSTATE of a failed query, whether TypeORM wrapped the driver's error or not. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
