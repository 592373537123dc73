import { isIsoInstant } from './dto/validate-changes.js';

/**
 * An RFC 3339 date-time (section 5.6), as mana-sync's cursors were: `2026-04-26T19:27:57Z`,
 * `...57.123456789+02:00`. Opaque cursors are base64url, so the two never look alike.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export function looksLikeTimestamp(since: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[Tt ]/.test(since);
}

/**
 * The instant `since` names, as text PostgreSQL reads exactly, or undefined when it is not a
 * valid RFC 3339 date-time. Fractions past microseconds (mana-sync wrote nanoseconds) are cut,
 * not rounded: an earlier instant maps to an earlier position, so nothing is missed.
 */
export function sinceInstant(since: string): string | undefined {
  const m = RFC3339.exec(since);
  if (!m) return undefined;
  const [, dateTime, fraction, offset] = m;
  const text = `${dateTime.replace(/[t ]/, 'T')}${fraction ? `.${fraction.slice(0, 6)}` : ''}${offset.toUpperCase()}`;
  return isIsoInstant(text) ? text : undefined;
}
