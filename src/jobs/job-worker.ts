import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { inBackground } from '../common/errors/background-context.js';
import { UnexpectedErrors } from '../common/errors/unexpected-errors.service.js';
import type { Job } from './job-handler.decorator.js';
import type { RegisteredHandler } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { done, fail, JobOutcome, retry, retryDelayMs } from './job-outcome.js';
import { ClaimedJob, JobRepository, Settlement } from './job.repository.js';
import { attemptText } from './attempt-text.js';

/** Names this process in lease_owner and attempt rows. */
export const JOBS_INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export interface JobWorkerDeps {
  dataSource: DataSource;
  repo: JobRepository;
  metrics: JobMetrics;
  errors: UnexpectedErrors;
  leaseMarginMs: number;
}

interface Run {
  job: ClaimedJob;
  startedAt: Date;
  controller: AbortController;
  /** Set when shutdown gave the job back: the run's own result is then not written. */
  released: boolean;
  done: Promise<void>;
}

class Timeout extends Error {}
class ShuttingDown extends Error {}

/**
 * Claims, runs and settles the jobs of one queue on this instance, at most maxInFlight at
 * once. The handler runs outside any transaction: the lease (lease_id) is what makes the job
 * this worker's, and settle writes only while the lease is still ours.
 */
export class JobWorker {
  private readonly logger: Logger;
  private readonly runs = new Map<string, Run>();
  private claiming?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly handler: RegisteredHandler,
    private readonly deps: JobWorkerDeps,
  ) {
    this.logger = new Logger(`JobWorker:${handler.queue}`);
  }

  get queue(): string {
    return this.handler.queue;
  }

  wake(): void {
    void inBackground({ context: 'job-claim', queue: this.queue }, () => this.fill());
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => (this.claiming = undefined));
    await this.claiming;
  }

  private async claimLoop(): Promise<void> {
    try {
      do {
        this.again = false;
        const free = this.handler.maxInFlight - this.runs.size;
        if (free <= 0) break;
        const claimed = await this.deps.repo.claim(
          this.deps.dataSource.manager,
          this.queue,
          free,
          this.handler.perKey,
          this.handler.timeoutMs + this.deps.leaseMarginMs,
          JOBS_INSTANCE_ID,
        );
        for (const job of claimed) this.start(job);
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped)
        this.logger.error(`claiming ${this.queue} jobs failed: ${(err as Error).message}`);
    }
  }

  private start(job: ClaimedJob): void {
    const ctx = { context: 'job', queue: job.queue, jobId: job.id };
    const run: Run = {
      job,
      startedAt: new Date(),
      controller: new AbortController(),
      released: false,
      done: Promise.resolve(),
    };
    run.done = inBackground(ctx, () => this.process(run))
      .catch((err: unknown) => this.deps.errors.report(err, ctx))
      .finally(() => {
        this.runs.delete(job.id);
        if (!this.stopped) setImmediate(() => this.wake());
      });
    this.runs.set(job.id, run);
  }

  private async process(run: Run): Promise<void> {
    // Only expired leases push failures past the schedule without a settle: the job kept
    // killing or stalling its worker.
    const outcome =
      run.job.failures > this.handler.retrySchedule.length
        ? fail('gave up: the lease expired on every retry (the worker crashed or stalled)')
        : await this.execute(run);
    if (run.released) return;
    await this.settle(run, outcome);
  }

  /** The handler's outcome; a throw or the timeout is a retry. */
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
    // A handler that ignores the signal cannot hold its lease past the timeout: the attempt
    // is settled as a retry when the signal fires, whatever the handler does after.
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
        once: true,
      }),
    );
    aborted.catch(() => undefined);
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => this.handler.runner.run(view)),
        aborted,
      ]);
      return result === undefined ? done() : checkOutcome(result);
    } catch (err) {
      if (err instanceof Timeout) return retry(`timed out after ${timeoutMs} ms`);
      if (err instanceof ShuttingDown) return retry('instance shut down');
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn(`${job.queue} job ${job.id} threw: ${message}`);
      return retry(message || 'handler threw');
    } finally {
      clearTimeout(timer);
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
    const applied = await this.deps.repo.settle(this.deps.dataSource.manager, s);
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
   * Stops claiming and waits up to `drainMs` for running jobs; those still running are
   * aborted and given back (pending, due now) so another instance takes them at once
   * instead of after their lease expires.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopped = true;
    await this.claiming; // a claim in flight adds its jobs to `runs` first
    const all = () => Promise.allSettled([...this.runs.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    for (const run of this.runs.values()) {
      run.released = true;
      run.controller.abort(new ShuttingDown());
      const durationMs = Date.now() - run.startedAt.getTime();
      await this.deps.repo
        .settle(this.deps.dataSource.manager, {
          id: run.job.id,
          leaseId: run.job.leaseId,
          status: 'pending',
          delayMs: 0,
          failures: run.job.failures,
          lastError: 'released: the instance shut down before the job finished',
          lastSummary: null,
          attempt: {
            number: run.job.attempt,
            startedAt: run.startedAt,
            durationMs,
            outcome: 'released',
            summary: null,
            error: 'the instance shut down before the job finished',
            instance: JOBS_INSTANCE_ID,
          },
        })
        .then(() => this.record('released', durationMs))
        .catch((err: unknown) =>
          this.logger.warn(`releasing job ${run.job.id} failed: ${(err as Error).message}`),
        );
    }
  }
}

const KINDS = new Set(['done', 'retry', 'fail', 'reschedule']);

function checkOutcome(value: unknown): JobOutcome {
  const o = value as JobOutcome;
  if (typeof o !== 'object' || o === null || !KINDS.has(o.kind))
    return retry('handler returned something that is not a job outcome');
  if (o.kind === 'reschedule' && !(o.at instanceof Date && !Number.isNaN(o.at.getTime())))
    return retry('handler rescheduled to an invalid date');
  return o;
}
