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

/** Strict ISO 8601 that JavaScript can parse, in years 1 to 9999. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          isISO8601(value, { strict: true }) &&
          isStorableInstant(Date.parse(value)),
        defaultMessage: () => 'must be an ISO 8601 date-time in the years 1 to 9999',
      },
    },
    options,
  );
}
