import { bucketsEnd, bucketsEndingNow, fillBuckets } from './time-buckets.js';

describe('time buckets', () => {
  const now = Date.parse('2026-12-07T14:03:27.500Z');

  it('ends with the bucket that holds now, aligned to the step', () => {
    const axis = bucketsEndingNow(24, 60, now);
    expect(axis.count).toBe(1440);
    expect(bucketsEnd(axis).toISOString()).toBe('2026-12-07T14:04:00.000Z');
    expect(axis.from.toISOString()).toBe('2026-12-06T14:04:00.000Z');
    const wide = bucketsEndingNow(168, 600, now);
    expect(wide.count).toBe(1008);
    expect(bucketsEnd(wide).toISOString()).toBe('2026-12-07T14:10:00.000Z');
  });

  it('fills the buckets rows name and leaves the others empty, ignoring rows off the axis', () => {
    const axis = bucketsEndingNow(1, 600, now);
    const rows = [
      { b: 0, n: 3 },
      { b: 5, n: 7 },
      { b: 6, n: 9 },
      { b: -1, n: 1 },
    ];
    expect(fillBuckets(axis, rows, (r) => r.n, 0)).toEqual([3, 0, 0, 0, 0, 7]);
    expect(fillBuckets(axis, [], (r: { b: number }) => r.b, null)).toEqual(new Array(6).fill(null));
  });
});
