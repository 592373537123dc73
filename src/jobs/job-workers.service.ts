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
import { DataSource } from 'typeorm';
import { UnexpectedErrors } from '../common/errors/unexpected-errors.service.js';
import { armTimeout, disarmTimeout, startTick, stopTick } from '../common/ticks.js';
import { appConfig } from '../config/app.config.js';
import { jobsConfig } from '../config/jobs.config.js';
import { PgListener } from '../database/pg-listener.js';
import type { LeasedQueue } from './engine/leased-queue.js';
import { type DueTimer, LeasedWorker } from './engine/leased-worker.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { JobQueue } from './job-queue.js';
import { JOBS_CHANNEL } from './job-enqueue.repository.js';
import { JobLeaseRepository } from './job-lease.repository.js';
import { JobSettleRepository } from './job-settle.repository.js';

/** Name in the SchedulerRegistry of the poll tick of the job queues; `jobs.poll.<queue>` for a registered queue's. */
export const JOBS_POLL_TICK = 'jobs.poll';
/** Name prefix of the one-shot timers set for a queue's next due item: `jobs.due.<queue>`. */
export const JOBS_DUE_TIMER = 'jobs.due';

/** How the engine learns that a registered queue may have work. */
export interface QueueWakeUp {
  /** NOTIFY channel: any notification on it wakes the queue's worker. */
  channel: string;
  /** Poll period, for items that come due later (retries) and lost notifications. */
  pollMs: number;
}

interface Registered {
  worker: LeasedWorker<unknown>;
  wakeUp: QueueWakeUp;
  wake: () => void;
  /** Its poll tick in the SchedulerRegistry. */
  tick: string;
}

/**
 * Runs every leased queue of this instance on the one engine (LeasedWorker): one worker
 * per @JobHandler queue of the `jobs` table, woken by NOTIFY on `hub_jobs` (the payload
 * names the queue; an empty one, after a reconnect, wakes all), by its due timer
 * (`jobs.due.<queue>`, set for the next item that comes due later) and by the JOBS_POLL_MS
 * tick `jobs.poll` (a safety net for a lost notification); plus the queues other modules
 * register with their own table, claim and settle (webhook deliveries), woken the same way on
 * their own channel, due timer and poll tick (`jobs.poll.<name>`). Shutdown drains them all.
 */
@Injectable()
export class JobWorkersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobWorkersService.name);
  private readonly workers = new Map<string, LeasedWorker<unknown>>();
  private readonly registered: Registered[] = [];
  private started = false;
  private readonly onNotify = (queue: string) => {
    if (queue) this.workers.get(queue)?.wake();
    else this.wakeAll();
  };
  private readonly wakeAll = () => this.workers.forEach((w) => w.wake());

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: JobHandlersRegistry,
    private readonly leases: JobLeaseRepository,
    private readonly settles: JobSettleRepository,
    private readonly metrics: JobMetrics,
    private readonly errors: UnexpectedErrors,
    private readonly listener: PgListener,
    private readonly ticks: SchedulerRegistry,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  /**
   * Runs a queue with its own table, claim and settle on this engine (call it from
   * onModuleInit; it starts with the job workers at bootstrap and drains with them).
   */
  register<T>(queue: LeasedQueue<T>, wakeUp: QueueWakeUp): void {
    const worker = new LeasedWorker<T>(
      queue,
      this.errors,
      this.dueTimer(queue.name),
    ) as LeasedWorker<unknown>;
    const entry: Registered = {
      worker,
      wakeUp,
      wake: () => worker.wake(),
      tick: `${JOBS_POLL_TICK}.${queue.name}`,
    };
    this.registered.push(entry);
    if (this.started)
      this.startRegistered(entry).catch((err: unknown) =>
        this.logger.error(`starting the ${queue.name} worker failed: ${(err as Error).message}`),
      );
  }

  async onApplicationBootstrap(): Promise<void> {
    const deps = {
      dataSource: this.dataSource,
      leases: this.leases,
      settles: this.settles,
      metrics: this.metrics,
      leaseMarginMs: this.config.leaseMarginMs,
    };
    for (const handler of this.registry.all())
      this.workers.set(
        handler.queue,
        new LeasedWorker(new JobQueue(handler, deps), this.errors, this.dueTimer(handler.queue)),
      );
    this.started = true;
    await this.listener.listen(JOBS_CHANNEL, this.onNotify);
    startTick(this.ticks, JOBS_POLL_TICK, this.wakeAll, this.config.pollMs);
    this.wakeAll();
    await Promise.all(this.registered.map((r) => this.startRegistered(r)));
  }

  /** The worker's timer for its next due item, registered by name with the SchedulerRegistry. */
  private dueTimer(queue: string): DueTimer {
    const name = `${JOBS_DUE_TIMER}.${queue}`;
    return {
      arm: (fn, ms) => armTimeout(this.ticks, name, fn, ms),
      disarm: () => disarmTimeout(this.ticks, name),
    };
  }

  private async startRegistered(r: Registered): Promise<void> {
    await this.listener.listen(r.wakeUp.channel, r.wake);
    startTick(this.ticks, r.tick, r.wake, r.wakeUp.pollMs);
    r.wake();
  }

  /** Wakes a job queue's worker on this instance (the scheduler, after reclaiming leases). */
  wake(queue: string): void {
    this.workers.get(queue)?.wake();
  }

  /**
   * Stop claiming; in-flight items get most of SHUTDOWN_TIMEOUT_MS to finish (the rest is for
   * the HTTP server and the pool), then the unfinished are given back for another instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    stopTick(this.ticks, JOBS_POLL_TICK);
    this.listener.unlisten(JOBS_CHANNEL, this.onNotify);
    for (const r of this.registered) {
      stopTick(this.ticks, r.tick);
      this.listener.unlisten(r.wakeUp.channel, r.wake);
    }
    const drainMs = Math.floor(this.app.SHUTDOWN_TIMEOUT_MS * 0.6);
    const all = [...this.workers.values(), ...this.registered.map((r) => r.worker)];
    await Promise.all(all.map((w) => w.stop(drainMs)));
    this.logger.debug('workers stopped');
  }
}
