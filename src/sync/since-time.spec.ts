import { looksLikeTimestamp, sinceInstant } from './since-time.js';
import { EXAMPLE_CURSOR } from './cursor.js';

describe('an RFC 3339 since', () => {
  it('is told apart from an opaque cursor', () => {
    expect(looksLikeTimestamp('2026-04-26T19:27:57Z')).toBe(true);
    expect(looksLikeTimestamp('1970-01-01T00:00:00.000Z')).toBe(true);
    expect(looksLikeTimestamp(EXAMPLE_CURSOR)).toBe(false);
  });

  it('is read as the instant it names, fractions past microseconds cut (never rounded up)', () => {
    expect(sinceInstant('2026-04-26T19:27:57.123456789+02:00')).toBe(
      '2026-04-26T19:27:57.123456+02:00',
    );
    expect(sinceInstant('2026-04-26t19:27:57.999999999z')).toBe('2026-04-26T19:27:57.999999Z');
    expect(sinceInstant('2026-04-26 19:27:57Z')).toBe('2026-04-26T19:27:57Z');
  });

  it('names no instant without an offset, seconds or a real calendar day', () => {
    for (const since of [
      '2026-04-26T19:27:57',
      '2026-04-26T19:27Z',
      '2026-02-30T00:00:00Z',
      '2026-04-26T24:00:00Z',
      '0000-01-01T00:00:00Z',
    ])
      expect(sinceInstant(since)).toBeUndefined();
  });
});
