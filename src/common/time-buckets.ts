/**
 * A chart's time axis: `count` buckets of `stepSeconds` from `from`. The overview reads (each
 * module's activity query) answer one zero-filled array per measure on this axis.
 */
export interface TimeBuckets {
  from: Date;
  stepSeconds: number;
  count: number;
}

/** The axis of the last `hours`, ending with the bucket that holds now. */
export function bucketsEndingNow(
  hours: number,
  stepSeconds: number,
  now = Date.now(),
): TimeBuckets {
  const stepMs = stepSeconds * 1000;
  const to = Math.floor(now / stepMs) * stepMs + stepMs;
  const count = Math.round((hours * 3600) / stepSeconds);
  return { from: new Date(to - count * stepMs), stepSeconds, count };
}

/** The end of the axis (exclusive). */
export function bucketsEnd(b: TimeBuckets): Date {
  return new Date(b.from.getTime() + b.count * b.stepSeconds * 1000);
}

/** One value per bucket from rows `{ b: bucket index, ... }`, `empty` where no row is. */
export function fillBuckets<Row extends { b: number }, T>(
  b: TimeBuckets,
  rows: Row[],
  value: (row: Row) => T,
  empty: T,
): T[] {
  const out = new Array<T>(b.count).fill(empty);
  for (const row of rows) if (row.b >= 0 && row.b < b.count) out[row.b] = value(row);
  return out;
}
