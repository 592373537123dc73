import ICAL from 'ical.js';

/** The rule parts of RFC 5545 section 3.3.10; ical.js would keep any other name as it is. */
const RULE_PARTS = new Set([
  'FREQ',
  'UNTIL',
  'COUNT',
  'INTERVAL',
  'BYSECOND',
  'BYMINUTE',
  'BYHOUR',
  'BYDAY',
  'BYMONTHDAY',
  'BYYEARDAY',
  'BYWEEKNO',
  'BYMONTH',
  'BYSETPOS',
  'WKST',
]);

/** Printable ASCII without spaces: the value sits in one content line of the object. */
const ONE_TOKEN = /^[\x21-\x7e]+$/;

/**
 * Whether `value` is an RRULE value (`FREQ=WEEKLY;COUNT=4`) as ical.js reads it: ical.js
 * also writes it into the object (icalendar.ts), so an accepted rule is one the hub can
 * write. `ICAL.Recur.fromString` checks the values (FREQ and WKST names, BYDAY days, the
 * ranges of the numeric parts); on top, as RFC 5545 says: FREQ is present, each part appears
 * once as NAME=VALUE, and no other name is used (ical.js would drop it when writing).
 */
export function isRrule(value: string): boolean {
  if (!ONE_TOKEN.test(value)) return false;
  const pairs = value.split(';').map((part) => part.split('='));
  const names = pairs.map(([name]) => name.toUpperCase());
  if (pairs.some((p) => p.length !== 2 || !p[1]) || new Set(names).size !== names.length)
    return false;
  if (names.some((n) => !RULE_PARTS.has(n))) return false;
  try {
    return !!ICAL.Recur.fromString(value).freq;
  } catch {
    return false;
  }
}
