import type { Appointment } from '../appointments/appointment.js';
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
    const ics = buildIcs(base, {
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
    const utc = buildIcs({ ...base, timezone: null, rrule: null }, { uid: 'u2', sequence: 0 });
    expect(utc).toContain('DTSTART:20260329T003000Z');
    expect(utc).not.toContain('VTIMEZONE');
    const day = buildIcs(
      { ...base, startsAt: null, endsAt: null, startDate: '2026-12-31', timezone: null },
      { uid: 'u3', sequence: 0 },
    );
    expect(day).toContain('DTSTART;VALUE=DATE:20261231');
    expect(day).toContain('DTEND;VALUE=DATE:20270101');
  });

  it('keeps properties and alarms of the remote object it does not own', () => {
    const remote = buildIcs(base, { uid: 'u1@hub', sequence: 1 }).replace(
      'END:VEVENT',
      'X-PHONE-COLOR:purple\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:soon\r\nEND:VALARM\r\nEND:VEVENT',
    );
    const ics = buildIcs(
      { ...base, title: 'Renamed' },
      { uid: 'u1@hub', sequence: 2, remoteIcs: remote },
    );
    expect(ics).toContain('X-PHONE-COLOR:purple');
    expect(ics).toContain('TRIGGER:-PT15M');
    expect(ics).toContain('SUMMARY:Renamed');
    expect(ics.match(/SUMMARY:/g)).toHaveLength(1);
    expect(ics.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it('hashes what is sent, so only a real change is pushed', () => {
    expect(contentHash(base)).toBe(contentHash({ ...base, visibleTo: ['dana', 'eve'] }));
    expect(contentHash(base)).not.toBe(contentHash({ ...base, location: 'Ward 4' }));
  });
});
