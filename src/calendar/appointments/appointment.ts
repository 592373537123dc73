/**
 * The appointment contract (docs/calendar.md): what publishers send as `data` of
 * `appointment.created` / `appointment.updated`, checked into the projection's shape.
 */
export const APPOINTMENT_EVENTS = {
  created: 'appointment.created',
  updated: 'appointment.updated',
  deleted: 'appointment.deleted',
} as const;

export const HIERARCHY_KINDS = ['client', 'case', 'project', 'litigation', 'patent'] as const;

export interface ScopeNode {
  kind: string;
  id: string;
}

export interface Appointment {
  id: string;
  title: string;
  /** Timed: both instants set. All-day: `startDate` (and `endDate`, exclusive) set. */
  startsAt: Date | null;
  endsAt: Date | null;
  startDate: string | null;
  endDate: string | null;
  timezone: string | null;
  location: string | null;
  description: string | null;
  rrule: string | null;
  ownerUserId: string | null;
  personal: boolean;
  visibleTo: string[];
  scopePath: ScopeNode[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_TEXT = 10_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks one event's data against the contract; the error names the field at fault. */
export function parseAppointment(
  id: string | null,
  data: Record<string, unknown>,
): Parsed<Appointment> {
  const fail = (field: string, message: string): Parsed<Appointment> => ({
    ok: false,
    error: `${field} ${message}`,
  });
  if (!id || id.length > 200)
    return fail('subject', 'must be the appointment id (1 to 200 characters)');
  const text = (field: string, required = false): string | null | undefined => {
    const v = data[field];
    if (v === undefined || v === null) return required ? undefined : null;
    if (typeof v !== 'string' || v.length > MAX_TEXT) return undefined;
    return v;
  };
  const title = text('title', true);
  if (typeof title !== 'string' || !title.trim())
    return fail('data.title', 'is required (a non-empty string)');
  let startsAt: Date | null = null;
  let endsAt: Date | null = null;
  let startDate: string | null = null;
  let endDate: string | null = null;
  if (data.start !== undefined || data.end !== undefined) {
    for (const f of ['start', 'end'])
      if (typeof data[f] !== 'string' || !INSTANT.test(data[f] as string))
        return fail(
          `data.${f}`,
          'must be an ISO 8601 instant with an offset (2026-03-29T09:00:00Z)',
        );
    startsAt = new Date(data.start as string);
    endsAt = new Date(data.end as string);
    if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime()))
      return fail('data.start', 'is not a valid instant');
    if (endsAt < startsAt) return fail('data.end', 'must not be before start');
  } else if (data.date !== undefined) {
    if (typeof data.date !== 'string' || !DATE.test(data.date) || !validDate(data.date))
      return fail('data.date', 'must be a date (YYYY-MM-DD)');
    startDate = data.date;
    if (data.endDate !== undefined && data.endDate !== null) {
      if (typeof data.endDate !== 'string' || !DATE.test(data.endDate) || !validDate(data.endDate))
        return fail('data.endDate', 'must be a date (YYYY-MM-DD)');
      if (data.endDate <= startDate)
        return fail('data.endDate', 'must be after date (it is exclusive)');
      endDate = data.endDate;
    }
  } else return fail('data.start', 'is required (or data.date for an all-day appointment)');
  const timezone = text('timezone');
  if (timezone === undefined || (timezone !== null && !validTimezone(timezone)))
    return fail('data.timezone', 'must be an IANA time zone (Europe/Berlin)');
  const fields: Record<string, string | null> = {};
  for (const f of ['location', 'description', 'rrule', 'ownerUserId']) {
    const v = text(f);
    if (v === undefined)
      return fail(`data.${f}`, `must be a string of at most ${MAX_TEXT} characters`);
    fields[f] = v;
  }
  if (fields.rrule !== null && !/^[A-Z0-9=;,:+-]+$/i.test(fields.rrule))
    return fail('data.rrule', 'must be an RFC 5545 RRULE value (FREQ=WEEKLY;COUNT=4)');
  if (data.personal !== undefined && typeof data.personal !== 'boolean')
    return fail('data.personal', 'must be a boolean');
  const visibleTo = data.visibleTo ?? [];
  if (
    !Array.isArray(visibleTo) ||
    visibleTo.some((u) => typeof u !== 'string' || !u || u.length > 200)
  )
    return fail('data.visibleTo', 'must be a list of user ids');
  const scopePath = data.scopePath ?? [];
  if (
    !Array.isArray(scopePath) ||
    scopePath.some(
      (n) =>
        typeof n !== 'object' ||
        n === null ||
        typeof (n as ScopeNode).kind !== 'string' ||
        typeof (n as ScopeNode).id !== 'string' ||
        !(n as ScopeNode).id,
    )
  )
    return fail('data.scopePath', 'must be a list of {kind, id} nodes, root first');
  return {
    ok: true,
    value: {
      id,
      title,
      startsAt,
      endsAt,
      startDate,
      endDate,
      timezone,
      location: fields.location,
      description: fields.description,
      rrule: fields.rrule,
      ownerUserId: fields.ownerUserId,
      personal: data.personal === true,
      visibleTo: [...new Set(visibleTo as string[])],
      scopePath: (scopePath as ScopeNode[]).map((n) => ({ kind: n.kind, id: n.id })),
    },
  };
}

function validDate(d: string): boolean {
  const parsed = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.length <= 100;
  } catch {
    return false;
  }
}

/** Who may see an appointment: its owner and everyone listed in `visibleTo`. */
export function visibleToUser(a: Appointment, userId: string): boolean {
  return a.ownerUserId === userId || a.visibleTo.includes(userId);
}
