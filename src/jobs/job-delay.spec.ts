import { clampDelayMs, clampRunAt, MAX_JOB_DELAY_MS } from './job-delay.js';

describe('job delay clamp', () => {
  it('keeps an ordinary delay and rounds it to whole milliseconds', () => {
    expect(clampDelayMs(1500.4)).toBe(1500);
  });

  it('clamps a delay beyond 30 days, Infinity and a PostgreSQL int overflow', () => {
    expect(clampDelayMs(99_999_999_000)).toBe(MAX_JOB_DELAY_MS);
    expect(clampDelayMs(Number.POSITIVE_INFINITY)).toBe(MAX_JOB_DELAY_MS);
    expect(clampDelayMs(2 ** 31)).toBe(2 ** 31);
    expect(MAX_JOB_DELAY_MS).toBeLessThan(2 ** 53);
  });

  it('treats a negative delay and NaN as now', () => {
    expect(clampDelayMs(-5)).toBe(0);
    expect(clampDelayMs(Number.NaN)).toBe(0);
  });

  it('clamps a run time to [now, now + 30 days]; an invalid Date is now', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(clampRunAt(new Date(now + 60_000), now).getTime()).toBe(now + 60_000);
    expect(clampRunAt(new Date(8.64e15), now).getTime()).toBe(now + MAX_JOB_DELAY_MS);
    expect(clampRunAt(new Date(Number.NaN), now).getTime()).toBe(now);
    expect(clampRunAt(new Date(now - 1000), now).getTime()).toBe(now);
  });
});
