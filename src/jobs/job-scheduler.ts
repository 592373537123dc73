import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { inBackground } from '../common/errors/background-context.js';
import { UnexpectedErrors } from '../common/errors/unexpected-errors.service.js';
import { startTick, stopTick } from '../common/ticks.js';
import { jobsConfig } from '../config/jobs.config.js';
import { nextCronRun } from './cron.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobEnqueueRepository } from './job-enqueue.repository.js';
import { JobLeaseRepository } from './job-lease.repository.js';
import { JobsService } from './jobs.service.js';
import { DueSchedule, ScheduleRepository } from './schedule.repository.js';

const BATCH = 100;
/** The tick's name in the SchedulerRegistry. */
export const SCHEDULER_TICK = 'jobs.scheduler';
/** A cron rule whose next run cannot be computed (none in 8 years) is retried this much later. */
const CRON_FALLBACK_MS = 24 * 3_600_000;

/**
 * The cluster-wide housekeeping loop, a tick every JOBS_POLL_MS on every instance (registered
 * as `jobs.scheduler` with the SchedulerRegistry):
 * - due schedules become jobs, each period or cron fire time once across all instances (the
 *   schedule row is claimed with SKIP LOCKED and advanced in the transaction that enqueues
 *   its job; the job's dedupe key keeps a slow queue from piling up one job per missed run);
 * - running jobs whose lease expired go back to pending.
 * Handlers declared with `every` or `cron` get their schedule (key `default`) at start-up.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private ticking = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enqueues: JobEnqueueRepository,
    private readonly leases: JobLeaseRepository,
    private readonly schedules: ScheduleRepository,
    private readonly jobs: JobsService,
    private readonly registry: JobHandlersRegistry,
    private readonly workers: JobWorkersService,
    private readonly errors: UnexpectedErrors,
    private readonly ticks: SchedulerRegistry,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const handler of this.registry.all()) {
      if (handler.everyMs) await this.jobs.schedule(handler.queue, 'default', handler.everyMs);
      else if (handler.cron) await this.jobs.schedule(handler.queue, 'default', handler.cron);
    }
    // Not fatal: in a rolling deploy an older instance may not know a newer queue yet.
    const known = new Set(this.registry.all().map((h) => h.queue));
    const orphans = (await this.schedules.queues(this.dataSource.manager)).filter(
      (q) => !known.has(q),
    );
    if (orphans.length)
      this.logger.warn(`schedules for queues without a handler here: ${orphans.join(', ')}`);
    startTick(this.ticks, SCHEDULER_TICK, () => this.tick(), this.config.pollMs);
    this.tick();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    stopTick(this.ticks, SCHEDULER_TICK);
  }

  private tick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const ctx = { context: 'job-scheduler' };
    void inBackground(ctx, async () => {
      try {
        await this.fireDueSchedules();
        for (const queue of await this.leases.reclaimExpired(this.dataSource.manager, BATCH)) {
          this.logger.warn(`reclaimed expired ${queue} job leases`);
          this.workers.wake(queue);
        }
      } catch (err) {
        if (!this.stopped) this.errors.report(err, ctx);
      } finally {
        this.ticking = false;
      }
    });
  }

  private async fireDueSchedules(): Promise<void> {
    for (;;) {
      const n = await this.dataSource.transaction(async (m) => {
        const due = await this.schedules.claimDue(m, BATCH);
        await this.advanceCron(m, due);
        for (const s of due) {
          const { id, created } = await this.enqueues.insert(m, {
            queue: s.queue,
            key: s.key,
            payload: s.payload,
            dedupeKey: `schedule:${s.key}`,
          });
          if (created) await this.enqueues.notify(m, s.queue);
          else this.logger.debug(`${s.queue}/${s.key}: previous run ${id} still pending`);
        }
        return due.length;
      });
      if (n < BATCH) return;
    }
  }

  /** Cron schedules move to their rule's next fire time after the claim, read in their zone. */
  private async advanceCron(m: EntityManager, due: DueSchedule[]): Promise<void> {
    const runs = due
      .filter((s) => s.cron !== null)
      .map((s) => ({ queue: s.queue, key: s.key, nextRunAt: this.nextRun(s) }));
    await this.schedules.setNextRuns(m, runs);
  }

  private nextRun(s: DueSchedule): Date {
    try {
      return nextCronRun({ cron: s.cron!, timeZone: s.timeZone! }, s.now);
    } catch (err) {
      this.logger.error(
        `${s.queue}/${s.key}: no next run for cron ${s.cron} (${(err as Error).message.split('\n')[0]}); trying again in a day`,
      );
      return new Date(s.now.getTime() + CRON_FALLBACK_MS);
    }
  }
}
