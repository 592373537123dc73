import { nextAttemptDelayMs, parseRetryAfter } from './retry-schedule.js';

describe('retry schedule', () => {
  const schedule = [5000, 300000];

  it('follows the schedule with at most 10% jitter and ends after the last entry', () => {
    const first = nextAttemptDelayMs(schedule, 1)!;
    expect(first).toBeGreaterThanOrEqual(4500);
    expect(first).toBeLessThanOrEqual(5500);
    expect(nextAttemptDelayMs(schedule, 2)).toBeGreaterThanOrEqual(270000);
    expect(nextAttemptDelayMs(schedule, 3)).toBeUndefined();
  });

  it('honours a longer Retry-After but not a shorter one', () => {
    expect(nextAttemptDelayMs(schedule, 1, 60000)).toBe(60000);
    expect(nextAttemptDelayMs(schedule, 2, 1000)).toBeGreaterThan(1000);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('120')).toBe(120000);
    expect(parseRetryAfter(new Date(Date.now() + 30000).toUTCString())).toBeGreaterThan(28000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('999999999')).toBe(86400000);
  });
});
