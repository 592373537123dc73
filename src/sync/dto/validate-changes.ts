import { isStorableInstant, lacksOffset, MISSING_OFFSET } from '../../common/http/ids-and-times.js';
import type { FieldErrorDto } from '../../common/http/problem.js';
import { NOT_NULL, REQUIRED, ValidationFailedException } from '../../common/http/validation.js';
import { namedSpace } from '../change-space.js';
import { TABLE_PATTERN } from './change.dto.js';

/**
 * Validates the changes of a changeset by hand. class-validator and class-transformer cost
 * about a sixth of a push's CPU for 100 nested changes (profiled), and a changeset may hold
 * 5,000. Same rules as ChangeDto documents, same problem+json shape as the global pipe
 * (`changes[3].op`), unknown properties refused.
 */
const ALLOWED = new Set([
  'eventId',
  'table',
  'id',
  'op',
  'data',
  'at',
  'fields',
  'deletedAt',
  'spaceId',
  'schemaVersion',
  'actor',
  'origin',
]);
const OPS = new Set(['insert', 'update', 'delete']);
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Past this many problems the answer stops listing them. */
const MAX_ERRORS = 100;

export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_INSTANT.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A real calendar day (no February 30th), a valid time of day, an instant PostgreSQL holds
  // (no year 0, which an offset can also reach from 0001-01-01).
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6] ?? 0) <= 59 &&
    isStorableInstant(Date.parse(value))
  );
}

/** Why a value is not an instant: a missing offset named as such, anything else as not ISO. */
function instantProblem(value: unknown): string {
  return lacksOffset(value) ? MISSING_OFFSET : 'must be a valid ISO 8601 date string';
}

/** The validation pipe's words for a required value that is absent or null, else undefined. */
const absent = (value: unknown): string | undefined =>
  value === undefined ? REQUIRED : value === null ? NOT_NULL : undefined;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max: number, min = 1) =>
  typeof v === 'string' && v.length >= min && v.length <= max;
/** An `actor` object's JSON text is bounded: it is stored and sent with every change. */
const MAX_ACTOR_JSON = 2000;
const isSmallObject = (v: unknown, max: number) =>
  isObject(v) && Buffer.byteLength(JSON.stringify(v)) <= max;

/**
 * Record field names index plain objects in merge.ts: `constructor` would read
 * Object.prototype's, `__proto__` would set a prototype. Values below them are opaque.
 */
const RESERVED_FIELD_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

function fieldNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) return 'field names must be 1 to 200 characters long';
  if (RESERVED_FIELD_NAMES.has(name)) return `"${name}" is not allowed as a field name`;
  return undefined;
}

export function fieldWritesProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'must be an object of field name to { value, at }';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'must change at least one field';
  for (const [name, write] of entries) {
    const nameProblem = fieldNameProblem(name);
    if (nameProblem) return nameProblem;
    if (!isObject(write)) return `.${name} must be { value, at }`;
    const keys = Object.keys(write);
    if (!keys.includes('value')) return `.${name}.value is missing`;
    if (keys.some((k) => k !== 'value' && k !== 'at')) return `.${name} may only hold value and at`;
    if (!isIsoInstant(write.at))
      return `.${name}.at ${lacksOffset(write.at) ? MISSING_OFFSET : 'must be an ISO 8601 timestamp'}`;
  }
  return undefined;
}

/** Throws ValidationFailedException listing every problem (up to 100). */
export function validateChanges(changes: unknown[]): void {
  const errors: FieldErrorDto[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  for (let i = 0; i < changes.length && errors.length < MAX_ERRORS; i++) {
    const c = changes[i];
    const at = (name: string) => `changes[${i}].${name}`;
    if (!isObject(c)) {
      fail(`changes[${i}]`, 'must be an object');
      continue;
    }
    for (const k of Object.keys(c)) if (!ALLOWED.has(k)) fail(at(k), 'should not exist');
    // Absent: the server assigns one (mana-sync clients send none), so no idempotency.
    if (c.eventId !== undefined && !isText(c.eventId, 200))
      fail(at('eventId'), absent(c.eventId) ?? 'must be a string of 1 to 200 characters');
    if (typeof c.table !== 'string' || !TABLE_PATTERN.test(c.table))
      fail(at('table'), absent(c.table) ?? 'must match [a-z][a-z0-9_]{0,62}');
    if (!isText(c.id, 200))
      fail(at('id'), absent(c.id) ?? 'must be a string of 1 to 200 characters');
    if (typeof c.op !== 'string' || !OPS.has(c.op))
      fail(at('op'), absent(c.op) ?? 'must be one of the following values: insert, update, delete');
    if ((c.op === 'insert' || c.data !== undefined) && !isObject(c.data))
      fail(at('data'), absent(c.data) ?? 'must be an object');
    else if (isObject(c.data))
      for (const name of Object.keys(c.data)) {
        const problem = fieldNameProblem(name);
        if (problem) fail(at('data'), problem);
      }
    if (c.at != null && !isIsoInstant(c.at)) fail(at('at'), instantProblem(c.at));
    if (c.op === 'update' || c.fields !== undefined) {
      const problem = fieldWritesProblem(c.fields);
      if (problem) fail(at('fields'), absent(c.fields) ?? problem);
    }
    // A delete without deletedAt happened at server time, as insert's `at`.
    if (c.deletedAt !== undefined && !isIsoInstant(c.deletedAt))
      fail(at('deletedAt'), absent(c.deletedAt) ?? instantProblem(c.deletedAt));
    if (c.spaceId != null && typeof c.spaceId !== 'string') fail(at('spaceId'), 'must be a UUID');
    else {
      // The space may also come from data or fields, as in mana-sync (change-space.ts).
      const space = namedSpace(c);
      if (space && !UUID.test(space.spaceId)) fail(at(space.field), 'must be a UUID (a space id)');
    }
    if (
      c.schemaVersion != null &&
      !(Number.isInteger(c.schemaVersion) && (c.schemaVersion as number) >= 1)
    )
      fail(at('schemaVersion'), 'must be an integer of at least 1');
    if (c.origin != null && !isText(c.origin, 200, 0))
      fail(at('origin'), 'must be a string of at most 200 characters');
    // mana-sync clients send an object ({ kind: 'user' }); passed through as given.
    if (c.actor != null && !isText(c.actor, 200, 0) && !isSmallObject(c.actor, MAX_ACTOR_JSON))
      fail(
        at('actor'),
        `must be a string of at most 200 characters or an object of at most ${MAX_ACTOR_JSON} bytes of JSON`,
      );
  }
  if (errors.length > 0) throw new ValidationFailedException(errors);
}
