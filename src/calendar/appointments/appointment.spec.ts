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

  it.each([
    [{ ...timed, title: '' }, 'data.title is required'],
    [
      { ...timed, start: '2026-12-10T09:00:00' },
      'data.start must be an ISO 8601 instant with an offset',
    ],
    [{ ...timed, end: '2026-12-10T07:00:00Z' }, 'data.end must not be before start'],
    [{ title: 'x' }, 'data.start is required'],
    [{ title: 'x', date: '2026-02-30' }, 'data.date must be a date'],
    [{ title: 'x', date: '2026-02-03', endDate: '2026-02-03' }, 'data.endDate must be after date'],
    [{ ...timed, timezone: 'Mars/Olympus' }, 'data.timezone must be an IANA time zone'],
    [{ ...timed, personal: 'yes' }, 'data.personal must be a boolean'],
    [{ ...timed, visibleTo: 'dana' }, 'data.visibleTo must be a list of user ids'],
    [
      { ...timed, scopePath: [{ kind: 'client' }] },
      'data.scopePath must be a list of {kind, id} nodes',
    ],
    [{ ...timed, rrule: 'FREQ=DAILY\r\nX-EVIL:1' }, 'data.rrule must be an RFC 5545 RRULE value'],
  ])('names the field at fault: %j', (data, message) => {
    const r = parseAppointment('a3', data as Record<string, unknown>);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(message);
  });

  it('refuses an event without the appointment id as subject', () => {
    expect(parseAppointment(null, timed)).toEqual({
      ok: false,
      error: expect.stringContaining('subject'),
    });
  });
});
