import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import type { BackgroundContext } from '../common/errors/background-context.js';
import type { Job } from './job-handler.decorator.js';
import type { RegisteredHandler } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { done, fail, JobOutcome, retry, retryDelayMs } from './job-outcome.js';
import { ClaimedJob, JobLeaseRepository } from './job-lease.repository.js';
import { JobSettleRepository, Settlement } from './job-settle.repository.js';
import { attemptText } from './attempt-text.js';
import type { LeasedQueue, RunControl } from './engine/leased-queue.js';
import type { NextDue } from './engine/leased-queue.js';

/** Names this process in lease_owner and attempt rows. */
export const JOBS_INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export interface JobQueueDeps {
  dataSource: DataSource;
  leases: JobLeaseRepository;
  settles: JobSettleRepository;
  metrics: JobMetrics;
  leaseMarginMs: number;
}

interface Run {
  job: ClaimedJob;
  startedAt: Date;
  controller: AbortController;
  /** Settles when the handler has returned or thrown. */
  returned: Promise<void>;
  /** Shutdown left the job to its lease: stop renewing it. */
  abandoned: boolean;
}

class Timeout extends Error {}
class ShuttingDown extends Error {}

/** How long a handler has to return once its signal fired before it counts as ignoring it. */
const ABORT_GRACE_MAX_MS = 1000;

/**
 * One @JobHandler's queue on the `jobs` table, run by the worker engine (LeasedWorker): at
 * most maxInFlight at once on this instance. The handler runs outside any transaction: the
 * lease (lease_id) is what makes the job this worker's, and settle writes only while the
 * lease is still ours.
 *
 * A job is settled only once its handler has returned, so one key never runs twice: at the
 * timeout the signal fires; a handler that ignores it is counted and logged, and its job
 * stays `running` (its lease renewed, its key blocked on every instance) until it returns.
 */
export class JobQueue implements LeasedQueue<ClaimedJob> {
  private readonly logger: Logger;
  /** Runs whose handler has not returned yet, by job id. */
  private readonly live = new Map<string, Run>();
  private readonly graceMs: number;
  readonly name: string;
  readonly maxInFlight: number;
  readonly claimContext: BackgroundContext;

  constructor(
    private readonly handler: RegisteredHandler,
    private readonly deps: JobQueueDeps,
  ) {
    this.logger = new Logger(`JobWorker:${handler.queue}`);
    this.name = `${handler.queue} jobs`;
    this.maxInFlight = handler.maxInFlight;
    this.claimContext = { context: 'job-claim', queue: handler.queue };
    this.graceMs = Math.min(ABORT_GRACE_MAX_MS, Math.floor(deps.leaseMarginMs / 4));
  }

  get queue(): string {
    return this.handler.queue;
  }

  private get leaseMs(): number {
    return this.handler.timeoutMs + this.deps.leaseMarginMs;
  }

  claim(limit: number): Promise<ClaimedJob[]> {
    // A handler still running here keeps its job and key, even if its lease was lost.
    const runs = [...this.live.values()];
    return this.deps.leases.claim(
      this.deps.dataSource.manager,
      this.queue,
      limit,
      this.handler.perKey,
      this.leaseMs,
      JOBS_INSTANCE_ID,
      {
        ids: runs.map((r) => r.job.id),
        keys: runs.flatMap((r) => (r.job.key === null ? [] : [r.job.key])),
      },
    );
  }

  nextDue(lookbackMs: number): Promise<NextDue> {
    return this.deps.leases.nextDue(this.deps.dataSource.manager, this.queue, lookbackMs);
  }

  contextOf(job: ClaimedJob): BackgroundContext {
    return { context: 'job', queue: job.queue, jobId: job.id };
  }

  async run(job: ClaimedJob, control: RunControl): Promise<void> {
    const run: Run = {
      job,
      startedAt: new Date(),
      controller: new AbortController(),
      returned: Promise.resolve(),
      abandoned: false,
    };
    const onShutdown = () => run.controller.abort(new ShuttingDown());
    control.signal.addEventListener('abort', onShutdown, { once: true });
    try {
      // Only expired leases push failures past the schedule without a settle: the job kept
      // killing or stalling its worker.
      const outcome =
        job.failures > this.handler.retrySchedule.length
          ? fail('gave up: the lease expired on every retry (the worker crashed or stalled)')
          : await this.execute(run);
      // Given back at shutdown: the engine already released it, this result is not written.
      if (control.signal.aborted) return;
      await this.settle(run, outcome);
    } finally {
      control.signal.removeEventListener('abort', onShutdown);
    }
  }

  /**
   * The handler's outcome; a throw or the timeout is a retry. Returns only once the handler
   * has returned: a timed-out handler is aborted and waited for, never raced.
   */
  private async execute(run: Run): Promise<JobOutcome> {
    const { job, controller } = run;
    const { timeoutMs } = this.handler;
    const timer = setTimeout(() => controller.abort(new Timeout()), timeoutMs);
    const view: Job = {
      id: job.id,
      queue: job.queue,
      key: job.key,
      payload: job.payload,
      attempt: job.attempt,
      correlationId: job.correlationId,
      createdAt: job.createdAt,
      signal: controller.signal,
    };
    const outcome = Promise.resolve()
      .then(() => this.handler.runner.run(view))
      .then(
        (result) => (result === undefined ? done() : checkOutcome(result)),
        (err: unknown) => this.thrown(job, err),
      );
    run.returned = outcome.then(() => this.live.delete(job.id)).then(() => undefined);
    this.live.set(job.id, run);
    const aborted = new Promise<typeof ABORTED>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(ABORTED), { once: true }),
    );
    try {
      const first = await Promise.race([outcome, aborted]);
      if (first !== ABORTED) return first;
    } finally {
      clearTimeout(timer);
    }
    const reason: unknown = controller.signal.reason;
    const lateMs = await this.awaitReturn(run, reason instanceof Timeout ? 'timeout' : 'shutdown');
    if (!(reason instanceof Timeout)) return retry('instance shut down');
    return retry(
      lateMs === 0
        ? `timed out after ${timeoutMs} ms`
        : `timed out after ${timeoutMs} ms; the handler ignored its signal and returned ${lateMs} ms later`,
    );
  }

  private thrown(job: ClaimedJob, err: unknown): JobOutcome {
    const message = err instanceof Error ? err.message : String(err);
    this.logger.warn(`${job.queue} job ${job.id} threw: ${message}`);
    return retry(message || 'handler threw');
  }

  /**
   * Waits for an aborted handler to return. One that is still running after the grace
   * ignores its signal: counted, logged, and its lease renewed (so no instance claims its job
   * or key) until it returns. Returns how long past the grace it took (0 within it).
   */
  private async awaitReturn(run: Run, why: 'timeout' | 'shutdown'): Promise<number> {
    const { job } = run;
    let timer: NodeJS.Timeout | undefined;
    const inGrace = await Promise.race([
      run.returned.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.graceMs))),
    ]);
    clearTimeout(timer);
    if (inGrace) return 0;
    const since = Date.now();
    this.deps.metrics.abortIgnored.inc({ queue: this.queue });
    this.logger.warn(
      `${job.queue} job ${job.id}${job.key === null ? '' : ` (key ${job.key})`} is still running ${this.graceMs} ms after its ${why} signal: the handler ignores job.signal; the job stays leased and its key blocked until it returns`,
    );
    const renewal = setInterval(
      () => void this.renew(run),
      Math.max(50, Math.floor(this.deps.leaseMarginMs / 3)),
    );
    void this.renew(run);
    try {
      await run.returned;
    } finally {
      clearInterval(renewal);
    }
    return this.graceMs + Date.now() - since;
  }

  private async renew(run: Run): Promise<void> {
    if (run.abandoned || !this.live.has(run.job.id)) return;
    try {
      const held = await this.deps.leases.renewLease(
        this.deps.dataSource.manager,
        run.job.id,
        run.job.leaseId,
        this.leaseMs,
      );
      if (!held && !run.abandoned) {
        run.abandoned = true;
        this.logger.warn(
          `${run.job.queue} job ${run.job.id}: lease lost while its handler still runs; other instances may run its key (this one will not until the handler returns)`,
        );
      }
    } catch (err) {
      this.logger.warn(`renewing the lease of job ${run.job.id} failed: ${(err as Error).message}`);
    }
  }

  private async settle(run: Run, outcome: JobOutcome): Promise<void> {
    const { job } = run;
    const durationMs = Date.now() - run.startedAt.getTime();
    const base = {
      id: job.id,
      leaseId: job.leaseId,
      attempt: {
        number: job.attempt,
        startedAt: run.startedAt,
        durationMs,
        instance: JOBS_INSTANCE_ID,
        summary: null as string | null,
        error: null as string | null,
      },
    };
    let s: Settlement;
    switch (outcome.kind) {
      case 'done': {
        const summary = attemptText(outcome.summary);
        s = {
          ...base,
          status: 'succeeded',
          failures: 0,
          lastError: null,
          lastSummary: summary,
          attempt: { ...base.attempt, outcome: 'succeeded', summary },
        };
        break;
      }
      case 'reschedule': {
        const summary = attemptText(outcome.summary);
        s = {
          ...base,
          status: 'pending',
          runAt: outcome.at,
          failures: 0,
          lastError: null,
          lastSummary: summary,
          attempt: { ...base.attempt, outcome: 'rescheduled', summary },
        };
        break;
      }
      case 'fail':
      case 'retry': {
        const error = attemptText(outcome.error) ?? 'failed';
        const failures = job.failures + 1;
        const delayMs =
          outcome.kind === 'retry'
            ? retryDelayMs(this.handler.retrySchedule, failures, outcome.retryAfterMs)
            : undefined;
        s =
          delayMs === undefined
            ? {
                ...base,
                status: 'failed',
                failures,
                lastError: error,
                lastSummary: null,
                attempt: { ...base.attempt, outcome: 'failed', error },
              }
            : {
                ...base,
                status: 'pending',
                delayMs,
                failures,
                lastError: error,
                lastSummary: null,
                attempt: { ...base.attempt, outcome: 'retried', error },
              };
        break;
      }
    }
    const applied = await this.deps.settles.settle(this.deps.dataSource.manager, s);
    this.record(s.attempt.outcome, durationMs);
    if (!applied)
      this.logger.warn(
        `${job.queue} job ${job.id}: lease lost before settling; outcome not applied`,
      );
  }

  private record(outcome: string, durationMs: number): void {
    this.deps.metrics.attempts.inc({ queue: this.queue, outcome });
    this.deps.metrics.duration.observe({ queue: this.queue, outcome }, durationMs / 1000);
  }

  /**
   * Shutdown gave up waiting: back to pending, due now, attempt outcome `released`. A handler
   * that does not return within the grace after its signal keeps the job: it is left to its
   * lease (renewal stops), so no instance runs it beside the handler while this one lives.
   */
  async release(job: ClaimedJob, startedAt: Date): Promise<void> {
    const run = this.live.get(job.id);
    if (run) {
      let timer: NodeJS.Timeout | undefined;
      const returned = await Promise.race([
        run.returned.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.graceMs))),
      ]);
      clearTimeout(timer);
      if (!returned) {
        run.abandoned = true;
        this.logger.warn(
          `${job.queue} job ${job.id} not given back: its handler ignores its signal; another instance takes it when its lease expires`,
        );
        return;
      }
    }
    const durationMs = Date.now() - startedAt.getTime();
    await this.deps.settles.settle(this.deps.dataSource.manager, {
      id: job.id,
      leaseId: job.leaseId,
      status: 'pending',
      delayMs: 0,
      failures: job.failures,
      lastError: 'released: the instance shut down before the job finished',
      lastSummary: null,
      attempt: {
        number: job.attempt,
        startedAt,
        durationMs,
        outcome: 'released',
        summary: null,
        error: 'the instance shut down before the job finished',
        instance: JOBS_INSTANCE_ID,
      },
    });
    this.record('released', durationMs);
  }
}

const ABORTED = Symbol('aborted');

const KINDS = new Set(['done', 'retry', 'fail', 'reschedule']);

function checkOutcome(value: unknown): JobOutcome {
  const o = value as JobOutcome;
  if (typeof o !== 'object' || o === null || !KINDS.has(o.kind))
    return retry('handler returned something that is not a job outcome');
  if (o.kind === 'reschedule' && !(o.at instanceof Date && !Number.isNaN(o.at.getTime())))
    return retry('handler rescheduled to an invalid date');
  return o;
}
