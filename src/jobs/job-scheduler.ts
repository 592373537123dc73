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
import { armTimeout, disarmTimeout } from '../common/ticks.js';
import { jobsConfig } from '../config/jobs.config.js';
import { nextCronRun } from './cron.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobEnqueueRepository } from './job-enqueue.repository.js';
import { JobLeaseRepository } from './job-lease.repository.js';
import { JobsService } from './jobs.service.js';
import { PgListener } from '../database/pg-listener.js';
import { DueSchedule, SCHEDULES_CHANNEL, ScheduleRepository } from './schedule.repository.js';

const BATCH = 100;
/** The name of the scheduler's one-shot timer in the SchedulerRegistry. */
export const SCHEDULER_TICK = 'jobs.scheduler';
/** Something due now that another instance holds (SKIP LOCKED) is looked at again this soon. */
const HELD_RETRY_MS = 1000;
/** A cron rule whose next run cannot be computed (none in 8 years) is retried this much later. */
const CRON_FALLBACK_MS = 24 * 3_600_000;

/**
 * The cluster-wide housekeeping loop, on every instance. It sleeps until the next thing it
 * has to do, by the database's clock: the earliest schedule run, or the earliest running
 * job's lease to expire (one timer, `jobs.scheduler` in the SchedulerRegistry, at most
 * JOBS_POLL_MS away as a safety net). A schedule written anywhere announces its next run by
 * NOTIFY, which brings the timer forward. Each pass:
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
  private again = false;
  private stopped = false;
  /** Date.now() at which the armed timer fires. */
  private armedFor = Infinity;
  private readonly onAnnounce = (payload: string) => {
    const ms = Number(payload);
    // Empty (the LISTEN connection came back: announcements may be lost): look now.
    if (!payload || !Number.isFinite(ms)) return this.tick();
    // A pass in progress reads the next run after it (the schedule is committed) and arms.
    if (this.ticking) this.again = true;
    else if (Date.now() + ms < this.armedFor) this.arm(ms);
  };

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
    private readonly listener: PgListener,
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
    await this.listener.listen(SCHEDULES_CHANNEL, this.onAnnounce);
    this.tick();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    this.listener.unlisten(SCHEDULES_CHANNEL, this.onAnnounce);
    disarmTimeout(this.ticks, SCHEDULER_TICK);
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.min(Math.ceil(ms), this.config.pollMs));
    this.armedFor = Date.now() + delay;
    armTimeout(this.ticks, SCHEDULER_TICK, () => this.tick(), delay);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.armedFor = Infinity;
    const ctx = { context: 'job-scheduler' };
    let nextMs: number = this.config.pollMs;
    void inBackground(ctx, async () => {
      try {
        do {
          this.again = false;
          await this.fireDueSchedules();
          for (const queue of await this.leases.reclaimExpired(this.dataSource.manager, BATCH)) {
            this.logger.warn(`reclaimed expired ${queue} job leases`);
            this.workers.wake(queue);
          }
          const ms = await this.schedules.nextWakeInMs(this.dataSource.manager);
          // Due now although this pass took nothing: another instance holds it; look again soon.
          nextMs = ms === null ? this.config.pollMs : ms <= 0 ? HELD_RETRY_MS : ms + 1;
        } while (this.again && !this.stopped);
      } catch (err) {
        if (!this.stopped) this.errors.report(err, ctx);
      } finally {
        this.ticking = false;
        this.arm(nextMs);
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
          if (!created) this.logger.debug(`${s.queue}/${s.key}: previous run ${id} still pending`);
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
