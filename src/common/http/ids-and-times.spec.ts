import { validate } from 'class-validator';
import { IsTimestamp, lacksOffset, MISSING_OFFSET } from './ids-and-times.js';

class Timed {
  @IsTimestamp()
  at!: unknown;
}

const messages = async (at: unknown) => {
  const t = new Timed();
  t.at = at;
  return (await validate(t)).flatMap((e) => Object.values(e.constraints ?? {}));
};

describe('IsTimestamp', () => {
  it('refuses a date-time without an offset, saying the offset is missing', async () => {
    expect(await messages('2026-11-23T15:06:00')).toEqual([MISSING_OFFSET]);
    expect(await messages('2026-11-23T15:06')).toEqual([MISSING_OFFSET]);
    expect(await messages('2026-11-23T15:06:00.5')).toEqual([MISSING_OFFSET]);
    expect(MISSING_OFFSET).toBe('must carry a UTC offset (Z or ±hh:mm)');
  });

  it('accepts instants with Z or an offset, and bare dates (midnight UTC)', async () => {
    expect(await messages('2026-11-23T15:06:00Z')).toEqual([]);
    expect(await messages('2026-11-23T15:06:00+01:00')).toEqual([]);
    expect(await messages('2026-11-23')).toEqual([]);
  });

  it('keeps the general message for what is not ISO 8601 at all', async () => {
    expect(await messages('yesterday')).toEqual([
      'must be an ISO 8601 date-time in the years 1 to 9999',
    ]);
    expect(await messages('0000-01-01T00:00:00Z')).toEqual([
      'must be an ISO 8601 date-time in the years 1 to 9999',
    ]);
  });

  it('tells an offset-less date-time from other strings', () => {
    expect(lacksOffset('2026-11-23T15:06:00')).toBe(true);
    expect(lacksOffset('2026-11-23T15:06:00Z')).toBe(false);
    expect(lacksOffset('2026-11-23T15:06:00-05:00')).toBe(false);
    expect(lacksOffset('2026-11-23')).toBe(false);
    expect(lacksOffset(1700000000000)).toBe(false);
  });
});
