import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SyncScheduler } from '../binding-sync/sync-scheduler.js';
import { TargetRepository } from '../binding-sync/target.repository.js';
import { BindingRepository, type BindingRow } from './binding.repository.js';

/**
 * Deleting one binding, shared by DELETE /calendar/bindings/:id and a disconnect: its
 * schedule stops, a `calendar.cleanup` job (unless keepRemote) removes the objects it wrote,
 * and the row goes with its targets (sync-log rows stay, binding id cleared). Pending sync
 * jobs of the binding then find it gone and do nothing. The caller holds the binding's lock.
 */
@Injectable()
export class BindingRemoval {
  constructor(
    private readonly bindings: BindingRepository,
    private readonly targets: TargetRepository,
    private readonly scheduler: SyncScheduler,
  ) {}

  async remove(m: EntityManager, binding: BindingRow, keepRemote: boolean): Promise<void> {
    const objects = (await this.targets.list(m, binding.id))
      .filter((t) => t.href)
      .map((t) => ({ href: t.href!, etag: t.etag }));
    await this.scheduler.stop(binding.id, m);
    if (!keepRemote && objects.length > 0)
      await this.scheduler.cleanup(
        { userId: binding.userId, calendarUrl: binding.calendarUrl, objects },
        m,
      );
    await this.bindings.remove(m, binding.id);
  }
}
