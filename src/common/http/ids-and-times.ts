import { isISO8601, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Values the database rejects with an error (a 500) unless refused first: bigint ids beyond
 * int64, and instants outside what both JavaScript and PostgreSQL timestamptz hold.
 */
export const INT64_MAX = 9223372036854775807n;

/** A bigint id (events, changes) as decimal digits, 0 to 2^63 - 1. */
export function isInt64Id(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= INT64_MAX;
}

/** Years 1 to 9999: PostgreSQL has no year 0, and ISO 8601 needs an agreement beyond 9999. */
const MIN_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** Milliseconds since the epoch lie in years 1 to 9999 (UTC). */
export function isStorableInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_INSTANT && ms <= MAX_INSTANT;
}

export function IsInt64Id(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInt64Id',
      validator: {
        validate: (value: unknown) => isInt64Id(value),
        defaultMessage: () =>
          options?.each ? 'each must be an id (0 to 2^63-1)' : 'must be an id (0 to 2^63-1)',
      },
    },
    options,
  );
}

/** The one message for a date-time without an offset, in every body, query and changeset. */
export const MISSING_OFFSET = 'must carry a UTC offset (Z or ±hh:mm)';

/** A date and time of day with no `Z` or `±hh:mm`: a wall-clock time, not an instant. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/i;

/** True for `2026-11-23T15:06:00`: otherwise well formed, but which instant depends on a zone. */
export function lacksOffset(value: unknown): boolean {
  return typeof value === 'string' && LOCAL_DATE_TIME.test(value);
}

/**
 * Strict ISO 8601 that JavaScript can parse, in years 1 to 9999. A date-time needs an offset
 * (JavaScript would read it in the server's zone); a bare date is midnight UTC.
 */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          !lacksOffset(value) &&
          isISO8601(value, { strict: true }) &&
          isStorableInstant(Date.parse(value)),
        defaultMessage: (args) =>
          lacksOffset(args?.value)
            ? MISSING_OFFSET
            : 'must be an ISO 8601 date-time in the years 1 to 9999',
      },
    },
    options,
  );
}
