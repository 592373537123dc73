import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import type { CalendarRemoteChange } from '../../events/index.js';
import type { Appointment } from '../appointments/appointment.js';
import { assertObjectBudget } from './caldav-budget.js';
import { fixedOffset, ianaZone, vtimezoneFor, vtimezoneText, zonedInstant } from './vtimezone.js';

const PRODID = '-//Integration Hub//Calendar//EN';
/** Properties the hub writes; everything else on a remote VEVENT is kept on write-back. */
const MANAGED = [
  'uid',
  'summary',
  'dtstart',
  'dtend',
  'duration',
  'location',
  'description',
  'rrule',
  'sequence',
  'dtstamp',
  'last-modified',
];

export interface BuildOptions {
  uid: string;
  /** The hub's SEQUENCE for this write; a kept remote VEVENT's higher one wins (buildIcs). */
  sequence: number;
  now?: Date;
  /** The object as the server last returned it: its unknown properties are kept. */
  remoteIcs?: string | null;
}

/** Hash of what the hub would send, stamps excluded: equal hashes mean nothing to push. */
export function contentHash(a: Appointment): string {
  const payload = [
    a.title,
    a.startsAt?.toISOString() ?? null,
    a.endsAt?.toISOString() ?? null,
    a.startDate,
    a.endDate,
    a.timezone,
    a.location,
    a.description,
    a.rrule,
  ];
  return createHash('sha256').update(JSON.stringify(payload)).digest('base64url');
}

/** The largest SEQUENCE: an RFC 5545 INTEGER (and the int4 column that remembers it). */
export const MAX_SEQUENCE = 2_147_483_647;

/**
 * A SEQUENCE read from a server, as a revision number the hub can count from: null when it
 * is missing, negative or not a number, at most {@link MAX_SEQUENCE} (a server could send
 * SEQUENCE:99999999999, and the hub must still be able to store and answer it).
 */
export function seenSequence(value: unknown): number | null {
  const n = typeof value === 'number' ? value : Number(value ?? NaN);
  if (!Number.isFinite(n) || n < 0) return null;
  return Math.min(MAX_SEQUENCE, Math.trunc(n));
}

export interface BuiltIcs {
  ics: string;
  /** The SEQUENCE written: the caller remembers it as the highest seen. */
  sequence: number;
}

/** The appointment as an iCalendar object (RFC 5545) with one VEVENT. */
export function buildIcs(a: Appointment, opts: BuildOptions): BuiltIcs {
  const now = opts.now ?? new Date();
  const { calendar, event } = baseComponents(opts.remoteIcs);
  // RFC 5545 section 3.8.7.4: the organizer's new revision is numbered above every one
  // attendees have seen. An edit on the server may have raised the kept object's SEQUENCE
  // past the hub's count (a phone moving the event to 1 while the hub is at 0): go above it.
  const remote = seenSequence(event.getFirstPropertyValue('sequence'));
  const sequence = Math.min(
    MAX_SEQUENCE,
    Math.max(opts.sequence, remote === null ? 0 : remote + 1),
  );
  for (const name of MANAGED) event.removeAllProperties(name);
  event.addPropertyWithValue('uid', opts.uid);
  event.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(now, true));
  event.addPropertyWithValue('last-modified', ICAL.Time.fromJSDate(now, true));
  event.addPropertyWithValue('sequence', sequence);
  event.addPropertyWithValue('summary', a.title);
  if (a.startDate) {
    // All-day: DATE values, DTEND exclusive (RFC 5545 section 3.6.1).
    event.addPropertyWithValue('dtstart', ICAL.Time.fromDateString(a.startDate));
    event.addPropertyWithValue(
      'dtend',
      ICAL.Time.fromDateString(a.endDate ?? nextDay(a.startDate)),
    );
  } else if (a.timezone && vtimezoneText(a.timezone)) {
    const vtimezone = vtimezoneFor(a.timezone);
    calendar.addSubcomponent(vtimezone);
    const zone = ICAL.Timezone.fromData({ component: vtimezone, tzid: a.timezone });
    for (const [name, instant] of [
      ['dtstart', a.startsAt!],
      ['dtend', a.endsAt!],
    ] as const) {
      const local = ICAL.Time.fromDateTimeString(wallClock(instant, a.timezone));
      local.zone = zone;
      const prop = event.addPropertyWithValue(name, local);
      prop.setParameter('tzid', a.timezone);
    }
  } else {
    event.addPropertyWithValue('dtstart', ICAL.Time.fromJSDate(a.startsAt!, true));
    event.addPropertyWithValue('dtend', ICAL.Time.fromJSDate(a.endsAt!, true));
  }
  if (a.location) event.addPropertyWithValue('location', a.location);
  if (a.description) event.addPropertyWithValue('description', a.description);
  if (a.rrule) event.addPropertyWithValue('rrule', ICAL.Recur.fromString(a.rrule));
  // VTIMEZONE must precede the VEVENT for some clients; re-add the event last.
  calendar.removeSubcomponent(event);
  calendar.addSubcomponent(event);
  return { ics: calendar.toString() + '\r\n', sequence };
}

function baseComponents(remoteIcs: string | null | undefined) {
  if (remoteIcs) {
    assertObjectBudget(remoteIcs);
    try {
      const calendar = new ICAL.Component(ICAL.parse(remoteIcs));
      // The hub writes its own VTIMEZONE (vtimezone.ts); a remote one is never kept or used.
      calendar.removeAllSubcomponents('vtimezone');
      const event = calendar.getFirstSubcomponent('vevent');
      if (event) return { calendar, event };
    } catch {
      // An object we cannot parse is replaced whole.
    }
  }
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.addPropertyWithValue('prodid', PRODID);
  calendar.addPropertyWithValue('version', '2.0');
  const event = new ICAL.Component('vevent');
  calendar.addSubcomponent(event);
  return { calendar, event };
}

/** The local date-time of `instant` in `timeZone`, as `YYYY-MM-DDTHH:MM:SS`. */
function wallClock(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** What a remote VEVENT says, for `calendar.remote_changed` and the tests. */
export type RemoteEvent = CalendarRemoteChange['remote'];

/**
 * The first VEVENT of a remote object. Over-budget input throws OverBudgetError. TZID times
 * are converted with the IANA zone the TZID names (vtimezone.ts); the object's own VTIMEZONEs
 * are removed before any time is read, so ical.js never expands a server's zone rules.
 */
export function parseIcs(ics: string): RemoteEvent | null {
  assertObjectBudget(ics);
  let calendar: InstanceType<typeof ICAL.Component>;
  try {
    calendar = new ICAL.Component(ICAL.parse(ics));
  } catch {
    return null;
  }
  const remoteZones = new Map<string, InstanceType<typeof ICAL.Component>>();
  for (const vtz of calendar.getAllSubcomponents('vtimezone')) {
    const tzid = vtz.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string') remoteZones.set(tzid, vtz);
  }
  calendar.removeAllSubcomponents('vtimezone');
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (!vevent) return null;
  const time = (name: string) => {
    const prop = vevent.getFirstProperty(name);
    if (!prop) return { value: null, allDay: false, tzid: null };
    const t = prop.getFirstValue() as InstanceType<typeof ICAL.Time>;
    if (t.isDate) return { value: t.toString().slice(0, 10), allDay: true, tzid: null };
    const tzid = (prop.getParameter('tzid') as string | undefined) ?? null;
    return { value: instantOf(t, tzid, remoteZones).toISOString(), allDay: false, tzid };
  };
  const start = time('dtstart');
  const end = time('dtend');
  const str = (name: string) => {
    const v = vevent.getFirstPropertyValue(name);
    return v === null || v === undefined ? null : String(v);
  };
  const seq = vevent.getFirstPropertyValue('sequence');
  return {
    uid: str('uid'),
    title: str('summary'),
    start: start.value,
    end: end.value,
    allDay: start.allDay,
    timezone: start.tzid,
    location: str('location'),
    description: str('description'),
    rrule: str('rrule'),
    sequence: seq === null ? null : Number(seq),
  };
}

/**
 * A DATE-TIME as an instant: UTC and floating times as ical.js reads them; a TZID time in the
 * IANA zone it names, else at the remote zone's fixed standard offset, else as UTC.
 */
function instantOf(
  t: InstanceType<typeof ICAL.Time>,
  tzid: string | null,
  remoteZones: Map<string, InstanceType<typeof ICAL.Component>>,
): Date {
  if (!tzid || t.zone === ICAL.Timezone.utcTimezone) return t.toJSDate();
  const remote = remoteZones.get(tzid);
  const zone = ianaZone(tzid, remote);
  if (zone) return zonedInstant(t, zone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return new Date(wall - (fixedOffset(remote) ?? 0) * 1000);
}
