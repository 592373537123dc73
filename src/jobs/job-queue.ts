import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import type { BackgroundContext } from '../common/errors/background-context.js';
import type { Job } from './job-handler.decorator.js';
import type { RegisteredHandler } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { done, fail, JobOutcome, retry, retryDelayMs } from './job-outcome.js';
import { ClaimedJob, JobRepository, Settlement } from './job.repository.js';
import { attemptText } from './attempt-text.js';
import type { LeasedQueue, RunControl } from './engine/leased-queue.js';

/** Names this process in lease_owner and attempt rows. */
export const JOBS_INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export interface JobQueueDeps {
  dataSource: DataSource;
  repo: JobRepository;
  metrics: JobMetrics;
  leaseMarginMs: number;
}

interface Run {
  job: ClaimedJob;
  startedAt: Date;
  controller: AbortController;
}

class Timeout extends Error {}
class ShuttingDown extends Error {}

/**
 * One @JobHandler's queue on the `jobs` table, run by the worker engine (LeasedWorker): at
 * most maxInFlight at once on this instance. The handler runs outside any transaction: the
 * lease (lease_id) is what makes the job this worker's, and settle writes only while the
 * lease is still ours.
 */
export class JobQueue implements LeasedQueue<ClaimedJob> {
  private readonly logger: Logger;
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
  }

  get queue(): string {
    return this.handler.queue;
  }

  claim(limit: number): Promise<ClaimedJob[]> {
    return this.deps.repo.claim(
      this.deps.dataSource.manager,
      this.queue,
      limit,
      this.handler.perKey,
      this.handler.timeoutMs + this.deps.leaseMarginMs,
      JOBS_INSTANCE_ID,
    );
  }

  contextOf(job: ClaimedJob): BackgroundContext {
    return { context: 'job', queue: job.queue, jobId: job.id };
  }

  async run(job: ClaimedJob, control: RunControl): Promise<void> {
    const run: Run = { job, startedAt: new Date(), controller: new AbortController() };
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

  /** Shutdown gave up waiting: back to pending, due now, attempt outcome `released`. */
  async release(job: ClaimedJob, startedAt: Date): Promise<void> {
    const durationMs = Date.now() - startedAt.getTime();
    await this.deps.repo.settle(this.deps.dataSource.manager, {
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

const KINDS = new Set(['done', 'retry', 'fail', 'reschedule']);

function checkOutcome(value: unknown): JobOutcome {
  const o = value as JobOutcome;
  if (typeof o !== 'object' || o === null || !KINDS.has(o.kind))
    return retry('handler returned something that is not a job outcome');
  if (o.kind === 'reschedule' && !(o.at instanceof Date && !Number.isNaN(o.at.getTime())))
    return retry('handler rescheduled to an invalid date');
  return o;
}
