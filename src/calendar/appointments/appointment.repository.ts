import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Appointment, ScopeNode } from './appointment.js';
import { IN_SCOPE_SQL } from './scope.js';

interface AppointmentRow {
  id: string;
  title: string;
  starts_at: Date | null;
  ends_at: Date | null;
  start_date: string | null;
  end_date: string | null;
  timezone: string | null;
  location: string | null;
  description: string | null;
  rrule: string | null;
  owner_user_id: string | null;
  personal: boolean;
  visible_to: string[];
  scope_path: ScopeNode[];
}

const COLUMNS = `a.id, a.title, a.starts_at, a.ends_at, to_char(a.start_date, 'YYYY-MM-DD') AS start_date,
  to_char(a.end_date, 'YYYY-MM-DD') AS end_date, a.timezone, a.location, a.description, a.rrule,
  a.owner_user_id, a.personal, a.visible_to, a.scope_path`;

/** The module's own projection of the publishers' appointments. */
@Injectable()
export class AppointmentRepository {
  /** Applies one event; an older event than the row's (a replay) changes nothing. */
  async upsert(m: EntityManager, a: Appointment, eventId: string): Promise<void> {
    await m.query(
      `INSERT INTO calendar_appointments (id, title, starts_at, ends_at, start_date, end_date, timezone,
         location, description, rrule, owner_user_id, personal, visible_to, scope_path, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, starts_at = EXCLUDED.starts_at,
         ends_at = EXCLUDED.ends_at, start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date,
         timezone = EXCLUDED.timezone, location = EXCLUDED.location, description = EXCLUDED.description,
         rrule = EXCLUDED.rrule, owner_user_id = EXCLUDED.owner_user_id, personal = EXCLUDED.personal,
         visible_to = EXCLUDED.visible_to, scope_path = EXCLUDED.scope_path,
         event_id = EXCLUDED.event_id, updated_at = now()
       WHERE calendar_appointments.event_id < EXCLUDED.event_id`,
      [
        a.id,
        a.title,
        a.startsAt,
        a.endsAt,
        a.startDate,
        a.endDate,
        a.timezone,
        a.location,
        a.description,
        a.rrule,
        a.ownerUserId,
        a.personal,
        a.visibleTo,
        JSON.stringify(a.scopePath),
        eventId,
      ],
    );
  }

  async remove(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM calendar_appointments WHERE id = $1`, [id]);
  }

  /**
   * Enabled bindings an appointment change concerns: those it now belongs in, and those that
   * hold a target for it (it may have left their scope, or been deleted).
   */
  async affectedBindings(m: EntityManager, appointmentId: string): Promise<string[]> {
    const rows: { id: string }[] = await m.query(
      `SELECT b.id FROM calendar_bindings b JOIN calendar_appointments a ON a.id = $1
        WHERE b.enabled AND ${IN_SCOPE_SQL}
       UNION
       SELECT b.id FROM calendar_bindings b JOIN calendar_targets t ON t.binding_id = b.id
        WHERE b.enabled AND t.appointment_id = $1`,
      [appointmentId],
    );
    return rows.map((r) => r.id);
  }

  /** Every appointment that belongs in the binding now. */
  async inScope(m: EntityManager, bindingId: string): Promise<Appointment[]> {
    const rows: AppointmentRow[] = await m.query(
      `SELECT ${COLUMNS} FROM calendar_bindings b JOIN calendar_appointments a ON ${IN_SCOPE_SQL}
        WHERE b.id = $1 ORDER BY a.id`,
      [bindingId],
    );
    return rows.map(toAppointment);
  }
}

function toAppointment(r: AppointmentRow): Appointment {
  return {
    id: r.id,
    title: r.title,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    startDate: r.start_date,
    endDate: r.end_date,
    timezone: r.timezone,
    location: r.location,
    description: r.description,
    rrule: r.rrule,
    ownerUserId: r.owner_user_id,
    personal: r.personal,
    visibleTo: r.visible_to,
    scopePath: r.scope_path,
  };
}
