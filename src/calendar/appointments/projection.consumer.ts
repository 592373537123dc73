import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, type HubEvent } from '../../events/index.js';
import { SyncScheduler } from '../binding-sync/sync-scheduler.js';
import { BindingRepository } from '../bindings/binding.repository.js';
import { APPOINTMENT_EVENTS, parseAppointment } from './appointment.js';
import { AppointmentRepository } from './appointment.repository.js';

/**
 * Keeps the appointment projection, bumps the scope version of every binding a change
 * concerns and asks for an immediate push of each. Rows only, in the cursor's transaction
 * (the push itself is a job): a crash replays the batch, and the job's dedupe key folds a
 * burst into one run per binding.
 */
@Injectable()
@EventConsumer({ name: 'calendar.appointments', types: ['appointment.*'], batchSize: 200 })
export class AppointmentProjectionConsumer implements EventHandler {
  private readonly logger = new Logger('CalendarProjection');

  constructor(
    private readonly repo: AppointmentRepository,
    private readonly scheduler: SyncScheduler,
    private readonly bindings: BindingRepository,
  ) {}

  async handle(events: HubEvent[], m: EntityManager): Promise<void> {
    const touched = new Set<string>();
    for (const e of events) {
      if (!e.subject) {
        this.logger.warn(`event ${e.id} (${e.type}) has no subject (the appointment id); skipped`);
        continue;
      }
      const before = await this.repo.affectedBindings(m, e.subject);
      if (e.type === APPOINTMENT_EVENTS.deleted) {
        await this.repo.remove(m, e.subject);
      } else if (e.type === APPOINTMENT_EVENTS.created || e.type === APPOINTMENT_EVENTS.updated) {
        const parsed = parseAppointment(e.subject, e.data);
        if (!parsed.ok) {
          // A publisher's mistake must not stall the cursor: log it and go on.
          this.logger.warn(
            `event ${e.id} (${e.type}) breaks the appointment contract: ${parsed.error}`,
          );
          continue;
        }
        await this.repo.upsert(m, parsed.value, e.id);
      } else continue;
      for (const id of [...before, ...(await this.repo.affectedBindings(m, e.subject))])
        touched.add(id);
    }
    // In the batch's transaction: a run that read the binding before this commit records an
    // older version than the binding now has, so the next run is a full one.
    await this.bindings.bumpScope(m, [...touched]);
    for (const bindingId of touched) await this.scheduler.pushSoon(bindingId, m);
  }
}
