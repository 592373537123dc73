import { checkAppointmentData } from './appointment.schema.js';

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

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Checks one event's data against the contract (appointment.schema.ts, and the order of the
 * times here); the error names the field at fault.
 */
export function parseAppointment(
  id: string | null,
  data: Record<string, unknown>,
): Parsed<Appointment> {
  const fail = (error: string): Parsed<Appointment> => ({ ok: false, error });
  if (!id || id.length > 200)
    return fail('subject must be the appointment id (1 to 200 characters)');
  const checked = checkAppointmentData(data);
  if (!checked.ok) return fail(checked.problem);
  const d = checked.data;
  const timed = d.start !== undefined;
  const startsAt = timed ? new Date(d.start!) : null;
  const endsAt = timed ? new Date(d.end!) : null;
  if (startsAt && endsAt! < startsAt) return fail('data.end must not be before start');
  const startDate = timed ? null : d.date!;
  const endDate = timed ? null : (d.endDate ?? null);
  if (endDate !== null && endDate <= startDate!)
    return fail('data.endDate must be after date (it is exclusive)');
  return {
    ok: true,
    value: {
      id,
      title: d.title,
      startsAt,
      endsAt,
      startDate,
      endDate,
      timezone: d.timezone ?? null,
      location: d.location ?? null,
      description: d.description ?? null,
      rrule: d.rrule ?? null,
      ownerUserId: d.ownerUserId ?? null,
      personal: d.personal === true,
      visibleTo: [...new Set(d.visibleTo ?? [])],
      scopePath: (d.scopePath ?? []).map((n) => ({ kind: n.kind, id: n.id })),
    },
  };
}

/** Who may see an appointment: its owner and everyone listed in `visibleTo`. */
export function visibleToUser(a: Appointment, userId: string): boolean {
  return a.ownerUserId === userId || a.visibleTo.includes(userId);
}
