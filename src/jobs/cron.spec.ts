import { cronProblem, nextCronRun, timeZoneProblem } from './cron.js';

describe('cron rules of schedules', () => {
  it('reads five fields, six with seconds first, and presets', () => {
    for (const rule of ['0 3 * * *', '*/2 * * * * *', '0 7-19 * * MON-FRI', '@daily'])
      expect({ rule, problem: cronProblem(rule) }).toEqual({ rule, problem: undefined });
  });

  it('refuses malformed rules and a rule that never fires', () => {
    for (const rule of ['', '   ', '* * *', '61 * * * *', '0 3 * * * * *', 'banana', 42, null])
      expect(cronProblem(rule)).toEqual(expect.any(String));
    // February 30th: the parser accepts it, the next-run search finds nothing.
    expect(cronProblem('0 0 30 2 *')).toMatch(/not a cron expression the scheduler can use/);
    expect(cronProblem('0 3 * * *'.padEnd(201, ' '))).toMatch(/at most 200 characters/);
  });

  it('takes IANA zone names only: not offsets, nor the host zone', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
      expect({ zone, problem: timeZoneProblem(zone) }).toEqual({ zone, problem: undefined });
    for (const zone of ['+01:00', 'UTC+3', 'local', 'system', 'Mars/Base', '', 'Europe/', 7])
      expect({ zone, problem: timeZoneProblem(zone) }).toEqual({
        zone,
        problem: 'must be an IANA time zone such as UTC or Europe/Berlin',
      });
  });

  it('computes the next fire time strictly after the given instant, to the second', () => {
    const rule = { cron: '*/2 * * * * *', timeZone: 'UTC' };
    expect(nextCronRun(rule, new Date('2026-01-01T00:00:00.500Z')).toISOString()).toBe(
      '2026-01-01T00:00:02.000Z',
    );
    expect(nextCronRun(rule, new Date('2026-01-01T00:00:02.000Z')).toISOString()).toBe(
      '2026-01-01T00:00:04.000Z',
    );
  });

  it('reads the rule in its time zone, across a daylight saving change', () => {
    const at3 = { cron: '0 3 * * *', timeZone: 'Europe/Berlin' };
    // Winter: 03:00 in Berlin is 02:00 UTC; summer: 01:00 UTC.
    expect(nextCronRun(at3, new Date('2026-01-10T12:00:00Z')).toISOString()).toBe(
      '2026-01-11T02:00:00.000Z',
    );
    expect(nextCronRun(at3, new Date('2026-07-10T12:00:00Z')).toISOString()).toBe(
      '2026-07-11T01:00:00.000Z',
    );
    // The same rule without a zone is read in UTC, never in the host's zone.
    expect(nextCronRun({ cron: '0 3 * * *' }, new Date('2026-07-10T12:00:00Z')).toISOString()).toBe(
      '2026-07-11T03:00:00.000Z',
    );
    // 02:30 does not exist in Berlin on 2026-03-29 (clocks jump from 02:00 to 03:00).
    const at230 = nextCronRun(
      { cron: '30 2 * * *', timeZone: 'Europe/Berlin' },
      new Date('2026-03-28T12:00:00Z'),
    );
    expect(at230.getTime()).toBeGreaterThan(new Date('2026-03-29T00:00:00Z').getTime());
    expect(at230.getTime()).toBeLessThanOrEqual(new Date('2026-03-29T01:30:00Z').getTime());
  });
});
