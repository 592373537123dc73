import type { Appointment } from '../appointments/appointment.js';
import { OverBudgetError } from './caldav-budget.js';
import { buildIcs, contentHash, parseIcs } from './icalendar.js';

const base: Appointment = {
  id: 'a1',
  title: 'Night shift',
  startsAt: new Date('2026-03-29T00:30:00Z'),
  endsAt: new Date('2026-03-29T01:30:00Z'),
  startDate: null,
  endDate: null,
  timezone: 'Europe/Berlin',
  location: 'Ward 3',
  description: 'Line one\nline two, with comma',
  rrule: 'FREQ=WEEKLY;COUNT=4',
  ownerUserId: 'dana',
  personal: false,
  visibleTo: ['dana'],
  scopePath: [],
};

describe('buildIcs / parseIcs', () => {
  it('writes TZID times with a matching VTIMEZONE that read back at the same instants across DST', () => {
    const { ics } = buildIcs(base, {
      uid: 'u1@hub',
      sequence: 3,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(ics).toMatch(/BEGIN:VTIMEZONE\r\nTZID:Europe\/Berlin/);
    expect(ics).toContain('DTSTART;TZID=Europe/Berlin:20260329T013000');
    expect(ics).toContain('DTEND;TZID=Europe/Berlin:20260329T033000');
    expect(ics).toContain('SEQUENCE:3');
    expect(ics).toContain('DTSTAMP:20260101T000000Z');
    expect(ics).toContain('RRULE:FREQ=WEEKLY;COUNT=4');
    expect(ics.indexOf('BEGIN:VTIMEZONE')).toBeLessThan(ics.indexOf('BEGIN:VEVENT'));
    expect(parseIcs(ics)).toEqual({
      uid: 'u1@hub',
      title: 'Night shift',
      start: '2026-03-29T00:30:00.000Z',
      end: '2026-03-29T01:30:00.000Z',
      allDay: false,
      timezone: 'Europe/Berlin',
      location: 'Ward 3',
      description: 'Line one\nline two, with comma',
      rrule: 'FREQ=WEEKLY;COUNT=4',
      sequence: 3,
    });
  });

  it('writes UTC without a zone, and all-day as DATE with the next day as exclusive end', () => {
    const { ics: utc } = buildIcs(
      { ...base, timezone: null, rrule: null },
      { uid: 'u2', sequence: 0 },
    );
    expect(utc).toContain('DTSTART:20260329T003000Z');
    expect(utc).not.toContain('VTIMEZONE');
    const { ics: day } = buildIcs(
      { ...base, startsAt: null, endsAt: null, startDate: '2026-12-31', timezone: null },
      { uid: 'u3', sequence: 0 },
    );
    expect(day).toContain('DTSTART;VALUE=DATE:20261231');
    expect(day).toContain('DTEND;VALUE=DATE:20270101');
  });

  it('keeps properties and alarms of the remote object it does not own', () => {
    const remote = buildIcs(base, { uid: 'u1@hub', sequence: 1 }).ics.replace(
      'END:VEVENT',
      'X-PHONE-COLOR:purple\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:soon\r\nEND:VALARM\r\nEND:VEVENT',
    );
    const { ics } = buildIcs(
      { ...base, title: 'Renamed' },
      { uid: 'u1@hub', sequence: 2, remoteIcs: remote },
    );
    expect(ics).toContain('X-PHONE-COLOR:purple');
    expect(ics).toContain('TRIGGER:-PT15M');
    expect(ics).toContain('SUMMARY:Renamed');
    expect(ics.match(/SUMMARY:/g)).toHaveLength(1);
    expect(ics.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it('numbers a write-back above the SEQUENCE an edit on the server reached', () => {
    const ours = buildIcs(base, { uid: 'u1@hub', sequence: 0 });
    expect(ours.sequence).toBe(0);
    const edited = ours.ics.replace('SEQUENCE:0', 'SEQUENCE:7');
    const back = buildIcs(base, { uid: 'u1@hub', sequence: 1, remoteIcs: edited });
    expect(back.sequence).toBe(8);
    expect(back.ics).toContain('SEQUENCE:8');
    expect(back.ics.match(/SEQUENCE:/g)).toHaveLength(1);
    // The hub's own count wins when it is already above the server's.
    expect(buildIcs(base, { uid: 'u1@hub', sequence: 9, remoteIcs: edited }).sequence).toBe(9);
  });

  it.each([
    ['99999999999', 2_147_483_647],
    ['2147483647', 2_147_483_647],
    ['-4', 5],
    ['many', 5],
  ])('keeps a hostile SEQUENCE:%s in range', (value, written) => {
    const remote = buildIcs(base, { uid: 'u1@hub', sequence: 0 }).ics.replace(
      'SEQUENCE:0',
      `SEQUENCE:${value}`,
    );
    const back = buildIcs(base, { uid: 'u1@hub', sequence: 5, remoteIcs: remote });
    expect(back.sequence).toBe(written);
    expect(back.ics).toContain(`SEQUENCE:${written}`);
  });

  it('hashes what is sent, so only a real change is pushed', () => {
    expect(contentHash(base)).toBe(contentHash({ ...base, visibleTo: ['dana', 'eve'] }));
    expect(contentHash(base)).not.toBe(contentHash({ ...base, location: 'Ward 4' }));
  });
});

/** A one-event object whose DTSTART/DTEND use `tzid`, with the given VTIMEZONE text. */
function remoteObject(tzid: string, vtimezone: string, start = '20260715T100000'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//hostile//EN',
    vtimezone,
    'BEGIN:VEVENT',
    'UID:u1@hub',
    'DTSTAMP:20260101T000000Z',
    `DTSTART;TZID=${tzid}:${start}`,
    `DTEND;TZID=${tzid}:${start.slice(0, 9)}11${start.slice(11)}`,
    'SUMMARY:Edited',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** The time-zone bomb: an observance repeating every minute since 1601. */
const minutelyZone = (tzid: string) =>
  [
    'BEGIN:VTIMEZONE',
    `TZID:${tzid}`,
    'BEGIN:STANDARD',
    'DTSTART:16010101T000000',
    'RRULE:FREQ=MINUTELY',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'END:VTIMEZONE',
  ].join('\r\n');

describe('parseIcs on remote time zones', () => {
  it('never expands a remote VTIMEZONE rule (MINUTELY since 1601), and reads the IANA zone instead', () => {
    const started = performance.now();
    const event = parseIcs(remoteObject('Europe/Berlin', minutelyZone('Europe/Berlin')))!;
    expect(performance.now() - started).toBeLessThan(500);
    expect(event.start).toBe('2026-07-15T08:00:00.000Z'); // CEST, from the tz database
    expect(event.timezone).toBe('Europe/Berlin');
  });

  it('a bomb under a TZID that names no IANA zone costs nothing and uses its standard offset', () => {
    const started = performance.now();
    const event = parseIcs(remoteObject('Hostile Zone', minutelyZone('Hostile Zone')))!;
    expect(performance.now() - started).toBeLessThan(500);
    expect(event.start).toBe('2026-07-15T09:00:00.000Z');
  });

  it('drops the remote VTIMEZONE on write-back, keeping the unknown properties', () => {
    const remote = remoteObject('Europe/Berlin', minutelyZone('Europe/Berlin')).replace(
      'SUMMARY:Edited',
      'SUMMARY:Edited\r\nX-KEEP:me',
    );
    const started = performance.now();
    const { ics } = buildIcs(base, { uid: 'u1@hub', sequence: 2, remoteIcs: remote });
    expect(performance.now() - started).toBeLessThan(500);
    expect(ics).toContain('X-KEEP:me');
    expect(ics).not.toContain('MINUTELY');
    expect(ics.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it.each([
    ['/mozilla.org/20050126_1/America/New_York', '', '2026-07-15T14:00:00.000Z'],
    [
      'Custom',
      'BEGIN:VTIMEZONE\r\nTZID:Custom\r\nX-LIC-LOCATION:Asia/Tokyo\r\nEND:VTIMEZONE',
      '2026-07-15T01:00:00.000Z',
    ],
    [
      'W. Europe Standard Time',
      minutelyZone('W. Europe Standard Time'),
      '2026-07-15T09:00:00.000Z',
    ],
    ['Nowhere', '', '2026-07-15T10:00:00.000Z'],
  ])('resolves TZID %s without expanding rules', (tzid, vtimezone, start) => {
    expect(parseIcs(remoteObject(tzid, vtimezone))!.start).toBe(start);
  });

  it.each([
    ['20261025T023000', '2026-10-25T00:30:00.000Z'], // fall-back overlap: the first one
    ['20260329T023000', '2026-03-29T01:30:00.000Z'], // spring-forward gap: offset before it
    ['20260115T100000', '2026-01-15T09:00:00.000Z'],
  ])('converts %s in Europe/Berlin as RFC 5545 section 3.3.5 says', (wall, instant) => {
    expect(parseIcs(remoteObject('Europe/Berlin', '', wall))!.start).toBe(instant);
  });
});

describe('object budget', () => {
  it('refuses an object with more components than the budget before parsing it', () => {
    const events = Array.from(
      { length: 2000 },
      (_, i) => `BEGIN:VEVENT\r\nUID:${i}\r\nEND:VEVENT\r\n`,
    ).join('');
    const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${events}END:VCALENDAR\r\n`;
    expect(() => parseIcs(ics)).toThrow(OverBudgetError);
    expect(() => buildIcs(base, { uid: 'u', sequence: 1, remoteIcs: ics })).toThrow(/components/);
  });

  it('refuses an object over the byte budget', () => {
    const ics = remoteObject('UTC', '').replace('SUMMARY:Edited', `SUMMARY:${'x'.repeat(1100000)}`);
    const err = (() => {
      try {
        parseIcs(ics);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OverBudgetError);
    expect((err as OverBudgetError).kind).toBe('object_bytes');
  });
});
