import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import { calendarConfig } from '../../config/calendar.config.js';
import { type CronSchedule, JobsService, nextCronRun } from '../../jobs/index.js';
import { CLEANUP_QUEUE, type CleanupPayload } from './cleanup.queue.js';
import { SYNC_QUEUE, type SyncPayload } from './sync.queue.js';

/**
 * Every binding's runs go through one queue keyed by binding id (`perKey: 1`), so the
 * recurring run, event-driven pushes and "sync now" never overlap for one binding, on any
 * number of instances.
 */
@Injectable()
export class SyncScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(calendarConfig.KEY) private readonly config: ConfigType<typeof calendarConfig>,
  ) {}

  /**
   * When the recurring run of an enabled binding is due next: its cron rule's next fire time,
   * or the last run plus CALENDAR_SYNC_INTERVAL (null before the first run).
   */
  nextRunAt(lastSyncAt: Date | null, cron: CronSchedule | null): Date | null {
    if (cron) return nextCronRun(cron, new Date());
    return lastSyncAt && new Date(lastSyncAt.getTime() + this.config.syncIntervalMs);
  }

  /**
   * The recurring loop of an enabled binding (its first run is immediate): every
   * CALENDAR_SYNC_INTERVAL, or at the fire times of the binding's own cron rule.
   */
  async start(
    bindingId: string,
    m: EntityManager,
    cron: CronSchedule | null = null,
  ): Promise<void> {
    await this.jobs.schedule(
      SYNC_QUEUE,
      bindingId,
      cron ?? this.config.syncIntervalMs,
      { bindingId },
      {},
      m,
    );
    await this.pushSoon(bindingId, m);
  }

  stop(bindingId: string, m: EntityManager): Promise<boolean> {
    return this.jobs.unschedule(SYNC_QUEUE, bindingId, m);
  }

  /** A run as soon as a worker is free; a burst of calls while one is pending is one run. */
  pushSoon(bindingId: string, m?: EntityManager): Promise<string> {
    return this.jobs.enqueue(
      SYNC_QUEUE,
      { bindingId } satisfies SyncPayload,
      { key: bindingId, dedupeKey: `push:${bindingId}` },
      m,
    );
  }

  /**
   * Removal work on the server, keyed by user: the cleanup queue runs one user's jobs in
   * enqueue order, so the job that ends a disconnect runs after every cleanup before it.
   */
  cleanup(payload: CleanupPayload, m: EntityManager): Promise<string> {
    return this.jobs.enqueue(
      CLEANUP_QUEUE,
      payload as unknown as Record<string, unknown>,
      { key: payload.userId },
      m,
    );
  }

  /** "Sync now", optionally confirming a run the mass-delete guard stopped. */
  runNow(bindingId: string, confirmDeletes: boolean): Promise<string> {
    return this.jobs.enqueue(SYNC_QUEUE, { bindingId, confirmDeletes } satisfies SyncPayload, {
      key: bindingId,
      dedupeKey: confirmDeletes ? `confirmed:${bindingId}` : `push:${bindingId}`,
    });
  }
}
