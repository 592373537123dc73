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
