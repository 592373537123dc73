import { parseDuration, parseDurationList } from './duration.js';

describe('durations', () => {
  it('reads units and bare seconds', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('5d')).toBe(432_000_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('1.5s')).toBe(1500);
  });

  it('reads the default webhook schedule', () => {
    expect(parseDurationList('5s,5m,30m,2h,5h,10h,10h')).toEqual([
      5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000,
    ]);
  });

  it('refuses malformed items', () => {
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('-5s')).toBeUndefined();
    expect(parseDurationList('5s,,5m')).toBeUndefined();
  });
});
