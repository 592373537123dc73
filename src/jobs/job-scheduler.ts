import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inBackground } from '../common/errors/background-context.js';
import { UnexpectedErrors } from '../common/errors/unexpected-errors.service.js';
import { jobsConfig } from '../config/jobs.config.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobRepository } from './job.repository.js';
import { JobsService } from './jobs.service.js';

const BATCH = 100;

/**
 * The cluster-wide housekeeping loop, every JOBS_POLL_MS on every instance:
 * - due schedules become jobs, each period once across all instances (the schedule row is
 *   claimed with SKIP LOCKED and advanced in the transaction that enqueues its job; the
 *   job's dedupe key keeps a slow queue from piling up one job per missed period);
 * - running jobs whose lease expired go back to pending.
 * Handlers declared with `every` get their schedule (key `default`) at start-up.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: JobRepository,
    private readonly jobs: JobsService,
    private readonly registry: JobHandlersRegistry,
    private readonly workers: JobWorkersService,
    private readonly errors: UnexpectedErrors,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const handler of this.registry.all()) {
      if (handler.everyMs) await this.jobs.schedule(handler.queue, 'default', handler.everyMs);
    }
    // Not fatal: in a rolling deploy an older instance may not know a newer queue yet.
    const known = new Set(this.registry.all().map((h) => h.queue));
    const orphans = (await this.repo.scheduledQueues(this.dataSource.manager)).filter(
      (q) => !known.has(q),
    );
    if (orphans.length)
      this.logger.warn(`schedules for queues without a handler here: ${orphans.join(', ')}`);
    this.timer = setInterval(() => this.tick(), this.config.pollMs);
    this.timer.unref();
    this.tick();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const ctx = { context: 'job-scheduler' };
    void inBackground(ctx, async () => {
      try {
        await this.fireDueSchedules();
        for (const queue of await this.repo.reclaimExpired(this.dataSource.manager, BATCH)) {
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
        const due = await this.repo.claimDueSchedules(m, BATCH);
        for (const s of due) {
          const { id, created } = await this.repo.insert(m, {
            queue: s.queue,
            key: s.key,
            payload: s.payload,
            dedupeKey: `schedule:${s.key}`,
          });
          if (created) await this.repo.notify(m, s.queue);
          else this.logger.debug(`${s.queue}/${s.key}: previous run ${id} still pending`);
        }
        return due.length;
      });
      if (n < BATCH) return;
    }
  }
}
