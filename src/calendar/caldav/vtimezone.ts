import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ICAL from 'ical.js';

const cache = new Map<string, string | null>();

/**
 * A VTIMEZONE for an IANA zone (the tzurl.org definitions shipped by @touch4it/ical-timezones:
 * ical.js parses zones but cannot make them from the platform's tz database). Null when the
 * zone has none; the caller then writes UTC times.
 */
export function vtimezoneText(tzid: string): string | null {
  if (!cache.has(tzid)) cache.set(tzid, getVtimezoneComponent(tzid) || null);
  return cache.get(tzid)!;
}

export function vtimezoneFor(tzid: string): InstanceType<typeof ICAL.Component> {
  const text = vtimezoneText(tzid);
  if (!text) throw new Error(`no VTIMEZONE for ${tzid}`);
  return new ICAL.Component(
    ICAL.parse(`BEGIN:VCALENDAR\r\n${text}END:VCALENDAR`),
  ).getFirstSubcomponent('vtimezone')!;
}

type Component = InstanceType<typeof ICAL.Component>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  // Only names the platform accepts are kept (the IANA list and its aliases), so this stays small.
  if (formatters.size < 2000) formatters.set(zone, f);
  return f;
}

/**
 * The IANA zone a remote TZID stands for: the TZID itself, its `Area/City` tail (Lightning's
 * `/mozilla.org/20050126_1/Europe/Berlin`, Citadel's `/citadel.org/...`), or the zone's
 * `X-LIC-LOCATION`. Remote VTIMEZONE rules are never expanded: a server controls them, and
 * ical.js expands every onset since the rule's DTSTART (`FREQ=MINUTELY` since 1601 took
 * minutes and gigabytes).
 */
export function ianaZone(tzid: string, remote?: Component | null): string | null {
  const tail = /([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){1,2})$/.exec(tzid)?.[1];
  const location = remote?.getFirstPropertyValue('x-lic-location');
  for (const name of [tzid, tail, typeof location === 'string' ? location : undefined])
    if (name && name.length <= 64 && formatter(name)) return name;
  return null;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The instant of a wall-clock time in an IANA zone, from the platform's tz database. */
export function zonedInstant(wall: WallClock, zone: string): Date {
  const f = formatter(zone);
  if (!f) throw new Error(`unknown time zone ${zone}`);
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsetAt = (instant: number) => {
    const p = Object.fromEntries(
      f.formatToParts(new Date(instant)).map((x) => [x.type, Number(x.value)]),
    );
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant;
  };
  // The offsets half a day either side (zones change at most once in that span): an instant
  // whose wall clock is `wall` is valid; of two (a fall-back overlap) the first one wins, and
  // a time in a spring-forward gap takes the offset before the gap (RFC 5545 section 3.3.5).
  const before = offsetAt(local - 12 * 3600_000);
  const after = offsetAt(local + 12 * 3600_000);
  const valid = [local - before, local - after].filter((i) => offsetAt(i) === local - i);
  return new Date(valid.length > 0 ? Math.min(...valid) : local - before);
}

/**
 * The offset of a remote zone whose TZID names no IANA zone (e.g. Outlook's
 * `W. Europe Standard Time`): its STANDARD observance's TZOFFSETTO, as a fixed offset in
 * seconds. No rule is expanded, so daylight time is not applied; docs/calendar.md says so.
 */
export function fixedOffset(remote: Component | null | undefined): number | null {
  if (!remote) return null;
  const observance =
    remote.getFirstSubcomponent('standard') ?? remote.getFirstSubcomponent('daylight');
  const offset = observance?.getFirstPropertyValue('tzoffsetto') as
    InstanceType<typeof ICAL.UtcOffset> | null | undefined;
  return offset && typeof offset.toSeconds === 'function' ? offset.toSeconds() : null;
}
