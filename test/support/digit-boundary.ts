/**
 * Ids that straddle a power of ten (…98, 99, 100, 101…) are where text order and numeric
 * order part ('99' > '100'). Lists that return bigint ids as strings must still sort them
 * as numbers; these helpers put a suite's next rows across that boundary, so a test sees
 * the difference whatever ids earlier tests in the same database used.
 */

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Moves the sequence behind `table.column` forward so the next `below` values it hands out end
 * just under a power of ten and the ones after cross it. Only ever moves forward, so ids stay
 * unique; concurrent inserts elsewhere in the table may take some of those values.
 */
export async function nextIdsStraddleDigitBoundary(
  db: Queryable,
  table: string,
  column: string,
  below: number,
): Promise<void> {
  const [{ seq }] = (await db.query(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [
    table,
    column,
  ])) as { seq: string }[];
  const [{ next }] = (await db.query(`SELECT nextval($1::regclass)::text AS next`, [seq])) as {
    next: string;
  }[];
  let boundary = 10n;
  while (boundary - BigInt(below) <= BigInt(next)) boundary *= 10n;
  // setval(…, v) makes the next nextval() return v + 1.
  await db.query(`SELECT setval($1::regclass, $2::bigint)`, [
    seq,
    (boundary - BigInt(below) - 1n).toString(),
  ]);
}

/** Whether these decimal ids have different digit counts (so text order would differ). */
export const straddlesDigitBoundary = (ids: string[]): boolean =>
  new Set(ids.map((id) => id.length)).size > 1;

/** The ids sorted as numbers, largest first: the order a "newest first" list must have. */
export const newestFirst = (ids: string[]): string[] =>
  [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0));
