import { parseAppointment } from './appointment.js';

const timed = {
  title: 'Hearing',
  start: '2026-12-10T09:00:00+01:00',
  end: '2026-12-10T10:00:00+01:00',
  ownerUserId: 'dana',
  visibleTo: ['dana', 'eve', 'dana'],
  scopePath: [
    { kind: 'client', id: 'acme' },
    { kind: 'project', id: 'apollo' },
  ],
};

describe('parseAppointment (the appointment contract)', () => {
  it('accepts a timed appointment and normalises it', () => {
    const r = parseAppointment('a1', timed);
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({
        id: 'a1',
        startsAt: new Date('2026-12-10T08:00:00Z'),
        endsAt: new Date('2026-12-10T09:00:00Z'),
        startDate: null,
        personal: false,
        visibleTo: ['dana', 'eve'],
      }),
    });
  });

  it('accepts an all-day appointment with an exclusive end date', () => {
    const r = parseAppointment('a2', {
      title: 'Offsite',
      date: '2026-12-14',
      endDate: '2026-12-16',
    });
    expect(r.ok && r.value).toMatchObject({
      startDate: '2026-12-14',
      endDate: '2026-12-16',
      startsAt: null,
    });
  });

  it('takes null for every optional field, and ignores fields it does not know', () => {
    const nulls = { timezone: null, location: null, description: null, rrule: null };
    const r = parseAppointment('a4', {
      title: 'Call',
      date: '2026-12-14',
      endDate: null,
      ...nulls,
      ownerUserId: null,
      visibleTo: null,
      scopePath: null,
      colour: 'red',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        id: 'a4',
        title: 'Call',
        startsAt: null,
        endsAt: null,
        startDate: '2026-12-14',
        endDate: null,
        ...nulls,
        ownerUserId: null,
        personal: false,
        visibleTo: [],
        scopePath: [],
      },
    });
  });

  it('reads a timed appointment as timed whatever date says', () => {
    const r = parseAppointment('a5', { ...timed, date: 'not a date', endDate: 7 });
    expect(r.ok && r.value).toMatchObject({ startDate: null, endDate: null });
  });

  it('keeps a recurrence rule and the extra fields of a scope node as sent', () => {
    const r = parseAppointment('a6', {
      ...timed,
      rrule: 'FREQ=WEEKLY;COUNT=4',
      personal: true,
      scopePath: [{ kind: 'client', id: 'acme', name: 'ACME' }],
    });
    expect(r.ok && r.value).toMatchObject({
      rrule: 'FREQ=WEEKLY;COUNT=4',
      personal: true,
      scopePath: [{ kind: 'client', id: 'acme' }],
    });
  });

  it('counts lengths in UTF-16 units', () => {
    expect(parseAppointment('a7', { ...timed, location: 'x'.repeat(10_000) }).ok).toBe(true);
    // 5,001 astral characters: 10,002 units, though only 5,001 code points.
    expect(parseAppointment('a7', { ...timed, location: '\u{1F4C5}'.repeat(5_001) })).toEqual({
      ok: false,
      error: 'data.location must be a string of at most 10000 characters',
    });
  });

  const instant = 'must be an ISO 8601 instant with an offset (2026-03-29T09:00:00Z)';
  const text = 'must be a string of at most 10000 characters';
  it.each([
    [{ ...timed, title: '' }, 'data.title is required (a non-empty string)'],
    [{ ...timed, title: ' \t\n' }, 'data.title is required (a non-empty string)'],
    [{ ...timed, title: null }, 'data.title is required (a non-empty string)'],
    [{ ...timed, title: 'x'.repeat(10_001) }, 'data.title is required (a non-empty string)'],
    [{ start: timed.start, end: timed.end }, 'data.title is required (a non-empty string)'],
    [{ ...timed, start: '2026-12-10T09:00:00' }, `data.start ${instant}`],
    [{ ...timed, start: null }, `data.start ${instant}`],
    [{ ...timed, start: '2026-13-10T09:00:00Z' }, `data.start ${instant}`],
    [{ title: 'x', end: timed.end }, `data.start ${instant}`],
    [{ title: 'x', start: timed.start }, `data.end ${instant}`],
    [{ ...timed, end: 1765357200000 }, `data.end ${instant}`],
    [{ ...timed, end: '2026-12-10T07:00:00Z' }, 'data.end must not be before start'],
    [{ title: 'x' }, 'data.start is required (or data.date for an all-day appointment)'],
    [{ title: 'x', date: '2026-02-30' }, 'data.date must be a date (YYYY-MM-DD)'],
    [{ title: 'x', date: null }, 'data.date must be a date (YYYY-MM-DD)'],
    [{ title: 'x', date: '2026-2-3' }, 'data.date must be a date (YYYY-MM-DD)'],
    [{ title: 'x', date: '2026-02-03', endDate: '2026-13-01' }, 'data.endDate must be a date'],
    [
      { title: 'x', date: '2026-02-03', endDate: '2026-02-03' },
      'data.endDate must be after date (it is exclusive)',
    ],
    [{ ...timed, timezone: 'Mars/Olympus' }, 'data.timezone must be an IANA time zone'],
    [{ ...timed, timezone: 1 }, 'data.timezone must be an IANA time zone (Europe/Berlin)'],
    [{ ...timed, timezone: `Europe/${'x'.repeat(100)}` }, 'data.timezone must be an IANA'],
    [{ ...timed, location: 42 }, `data.location ${text}`],
    [{ ...timed, description: 'x'.repeat(10_001) }, `data.description ${text}`],
    [{ ...timed, ownerUserId: ['dana'] }, `data.ownerUserId ${text}`],
    [{ ...timed, rrule: 4 }, `data.rrule ${text}`],
    [{ ...timed, personal: 'yes' }, 'data.personal must be a boolean'],
    [{ ...timed, personal: null }, 'data.personal must be a boolean'],
    [{ ...timed, visibleTo: 'dana' }, 'data.visibleTo must be a list of user ids'],
    [{ ...timed, visibleTo: ['dana', ''] }, 'data.visibleTo must be a list of user ids'],
    [{ ...timed, visibleTo: ['x'.repeat(201)] }, 'data.visibleTo must be a list of user ids'],
    [
      { ...timed, scopePath: [{ kind: 'client' }] },
      'data.scopePath must be a list of {kind, id} nodes, root first',
    ],
    [{ ...timed, scopePath: [{ kind: 'client', id: '' }] }, 'data.scopePath must be a list'],
    [{ ...timed, scopePath: [null] }, 'data.scopePath must be a list'],
    [{ ...timed, scopePath: [{ kind: 1, id: 'acme' }] }, 'data.scopePath must be a list'],
    [
      { ...timed, rrule: 'FREQ=DAILY\r\nX-EVIL:1' },
      'data.rrule must be an RFC 5545 RRULE value (FREQ=WEEKLY;COUNT=4)',
    ],
    [{ ...timed, rrule: 'FREQ=FORTNIGHTLY' }, 'data.rrule must be an RFC 5545 RRULE value'],
  ])('names the field at fault: %j', (data, message) => {
    const r = parseAppointment('a3', data as Record<string, unknown>);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(message);
  });

  it('reports the first fault in the order title, times, the rest', () => {
    const faults = { title: '', start: 'soon', timezone: 'Mars/Olympus', personal: 'yes' };
    const first = (data: Record<string, unknown>) => {
      const r = parseAppointment('a8', data);
      return !r.ok && r.error.split(' ')[0];
    };
    expect(first(faults)).toBe('data.title');
    expect(first({ ...faults, title: 'x' })).toBe('data.start');
    expect(first({ ...faults, title: 'x', start: timed.start, end: timed.end })).toBe(
      'data.timezone',
    );
    expect(first({ title: '' })).toBe('data.title');
  });

  it('refuses an event without the appointment id as subject', () => {
    expect(parseAppointment(null, timed)).toEqual({
      ok: false,
      error: expect.stringContaining('subject'),
    });
  });
});
