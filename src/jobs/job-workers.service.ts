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
import { UnexpectedErrors } from '../common/errors/unexpected-errors.service.js';
import { appConfig } from '../config/app.config.js';
import { jobsConfig } from '../config/jobs.config.js';
import { PgListener } from '../database/pg-listener.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { JobWorker } from './job-worker.js';
import { JOBS_CHANNEL, JobRepository } from './job.repository.js';

/**
 * One JobWorker per registered queue on this instance, woken by NOTIFY (the payload names
 * the queue; an empty one, after a reconnect, wakes all) and by a poll timer for jobs that
 * come due (retries, runAt, reschedules).
 */
@Injectable()
export class JobWorkersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobWorkersService.name);
  private readonly workers = new Map<string, JobWorker>();
  private timer?: NodeJS.Timeout;
  private readonly onNotify = (queue: string) => {
    if (queue) this.workers.get(queue)?.wake();
    else this.wakeAll();
  };
  private readonly wakeAll = () => this.workers.forEach((w) => w.wake());

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: JobHandlersRegistry,
    private readonly repo: JobRepository,
    private readonly metrics: JobMetrics,
    private readonly errors: UnexpectedErrors,
    private readonly listener: PgListener,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const deps = {
      dataSource: this.dataSource,
      repo: this.repo,
      metrics: this.metrics,
      errors: this.errors,
      leaseMarginMs: this.config.leaseMarginMs,
    };
    for (const handler of this.registry.all())
      this.workers.set(handler.queue, new JobWorker(handler, deps));
    await this.listener.listen(JOBS_CHANNEL, this.onNotify);
    this.timer = setInterval(this.wakeAll, this.config.pollMs);
    this.timer.unref();
    this.wakeAll();
  }

  /** Wakes a queue's worker on this instance (the scheduler, after reclaiming leases). */
  wake(queue: string): void {
    this.workers.get(queue)?.wake();
  }

  /**
   * Stop claiming; in-flight jobs get most of SHUTDOWN_TIMEOUT_MS to finish (the rest is for
   * the HTTP server and the pool), then the unfinished are released for another instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.listener.unlisten(JOBS_CHANNEL, this.onNotify);
    const drainMs = Math.floor(this.app.SHUTDOWN_TIMEOUT_MS * 0.6);
    await Promise.all([...this.workers.values()].map((w) => w.stop(drainMs)));
    this.logger.debug('job workers stopped');
  }
}
