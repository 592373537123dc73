import { Ajv, type ErrorObject } from 'ajv';
import type { ScopeNode } from './appointment.js';
import { isRrule } from './rrule.js';

/** The longest text field an appointment may carry. */
const MAX_TEXT = 10_000;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Union types (`['string', 'null']`): a field may be sent as null.
const ajv = new Ajv({ allErrors: false, allowUnionTypes: true });
// The contract's lengths count UTF-16 units (String.length); maxLength counts code points.
ajv.addKeyword({
  keyword: 'maxUnits',
  type: 'string',
  schemaType: 'number',
  validate: (max: number, s: string) => s.length <= max,
});
ajv.addFormat('instant', {
  type: 'string',
  validate: (s) => INSTANT.test(s) && !Number.isNaN(new Date(s).getTime()),
});
ajv.addFormat('calendar-date', {
  type: 'string',
  validate: (s) => {
    const parsed = new Date(`${s}T00:00:00Z`);
    return DATE.test(s) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(s);
  },
});
ajv.addFormat('iana-time-zone', { type: 'string', validate: validTimezone });
ajv.addFormat('rrule', { type: 'string', validate: isRrule });

const TEXT = { type: ['string', 'null'], maxUnits: MAX_TEXT } as const;
const INSTANT_FIELD = { type: 'string', format: 'instant' } as const;

/**
 * The `data` of `appointment.created` / `appointment.updated` (docs/calendar.md). Fields not
 * named here are ignored. A timed appointment (`start` or `end` present) needs both; without
 * either, `date` makes it all-day. What a schema cannot say (`end` not before `start`,
 * `endDate` after `date`) appointment.ts checks. `allOf` keeps the order in which the fields
 * are checked, so an event with several faults is reported by the first: title, times, rest.
 */
const APPOINTMENT_DATA = {
  type: 'object',
  allOf: [
    {
      type: 'object',
      required: ['title'],
      properties: { title: { type: 'string', maxUnits: MAX_TEXT, pattern: '\\S' } },
    },
    {
      if: { type: 'object', anyOf: [{ required: ['start'] }, { required: ['end'] }] },
      // A bad start is reported before a missing end.
      then: {
        allOf: [
          { type: 'object', properties: { start: INSTANT_FIELD, end: INSTANT_FIELD } },
          { type: 'object', required: ['start', 'end'] },
        ],
      },
      else: {
        if: { type: 'object', required: ['date'] },
        then: {
          type: 'object',
          properties: {
            date: { type: 'string', format: 'calendar-date' },
            endDate: { type: ['string', 'null'], format: 'calendar-date' },
          },
        },
        // Neither form: the one error that names both (NEITHER_FORM below).
        else: { type: 'object', required: ['start'] },
      },
    },
    {
      type: 'object',
      properties: {
        timezone: { type: ['string', 'null'], maxUnits: 100, format: 'iana-time-zone' },
        location: TEXT,
        description: TEXT,
        rrule: { ...TEXT, format: 'rrule' },
        ownerUserId: TEXT,
        personal: { type: 'boolean' },
        visibleTo: {
          type: ['array', 'null'],
          items: { type: 'string', minLength: 1, maxUnits: 200 },
        },
        scopePath: {
          type: ['array', 'null'],
          items: {
            type: 'object',
            required: ['kind', 'id'],
            properties: { kind: { type: 'string' }, id: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  ],
} as const;

const NEITHER_FORM = '#/allOf/1/else/else/required';

const validate = ajv.compile<AppointmentData>(APPOINTMENT_DATA);

const TEXT_PROBLEM = `must be a string of at most ${MAX_TEXT} characters`;
const INSTANT_PROBLEM = 'must be an ISO 8601 instant with an offset (2026-03-29T09:00:00Z)';
const DATE_PROBLEM = 'must be a date (YYYY-MM-DD)';

/** What a publisher reads for a field at fault, whatever the rule it broke. */
const PROBLEMS: Record<string, string> = {
  title: 'is required (a non-empty string)',
  start: INSTANT_PROBLEM,
  end: INSTANT_PROBLEM,
  date: DATE_PROBLEM,
  endDate: DATE_PROBLEM,
  timezone: 'must be an IANA time zone (Europe/Berlin)',
  location: TEXT_PROBLEM,
  description: TEXT_PROBLEM,
  rrule: TEXT_PROBLEM,
  ownerUserId: TEXT_PROBLEM,
  personal: 'must be a boolean',
  visibleTo: 'must be a list of user ids',
  scopePath: 'must be a list of {kind, id} nodes, root first',
};

/** `data` as the schema let it through: `start` and `end` together, or `date`. */
export interface AppointmentData {
  title: string;
  start?: string;
  end?: string;
  date?: string;
  endDate?: string | null;
  timezone?: string | null;
  location?: string | null;
  description?: string | null;
  rrule?: string | null;
  ownerUserId?: string | null;
  personal?: boolean;
  visibleTo?: string[] | null;
  scopePath?: ScopeNode[] | null;
}

/** The data, or why it breaks the contract, naming the field (`data.title is required ...`). */
export function checkAppointmentData(
  data: unknown,
): { ok: true; data: AppointmentData } | { ok: false; problem: string } {
  if (validate(data)) return { ok: true, data };
  return { ok: false, problem: problemOf(validate.errors![0]) };
}

function problemOf(e: ErrorObject): string {
  if (e.instancePath === '' && e.keyword === 'type') return 'data must be an object';
  const field =
    e.instancePath.split('/')[1] ?? (e.params as { missingProperty: string }).missingProperty;
  if (e.schemaPath === NEITHER_FORM)
    return 'data.start is required (or data.date for an all-day appointment)';
  if (field === 'rrule' && e.keyword === 'format')
    return 'data.rrule must be an RFC 5545 RRULE value (FREQ=WEEKLY;COUNT=4)';
  return `data.${field} ${PROBLEMS[field]}`;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
