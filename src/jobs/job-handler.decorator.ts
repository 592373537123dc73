import { SetMetadata } from '@nestjs/common';
import type { JobOutcome } from './job-outcome.js';

export const JOB_HANDLER_KEY = 'hub:job-handler';

/** A handler option read from configuration at start-up (`integrations.retrySchedule`). */
export interface FromConfig {
  config: string;
}

/**
 * Reads the option from the typed configuration (`registerAs` name and key), so the operator
 * sets it in the environment and the handler does not fake its own: `retry:
 * fromConfig('integrations.retrySchedule')` is INTEGRATION_RETRY_SCHEDULE.
 */
export const fromConfig = (path: string): FromConfig => ({ config: path });

export interface JobHandlerOptions {
  /** Durable name of the queue (`calendar.sync`, `storage.maintenance`). */
  queue: string;
  /**
   * Delays before retries 1, 2, ... as milliseconds, a duration list (`'5s,1m,10m'`) or a
   * setting (`fromConfig(...)`); default JOBS_RETRY_SCHEDULE. After the last one a retried
   * job fails.
   */
  retry?: readonly number[] | string | FromConfig;
  /**
   * The run's AbortSignal fires after this long and the attempt counts as a retry; a number
   * or a setting (`fromConfig(...)`). Default JOBS_TIMEOUT_MS.
   */
  timeoutMs?: number | FromConfig;
  /** Jobs of this queue running at once on one instance. Default 4. */
  maxInFlight?: number;
  /** 1: jobs with the same key never overlap and run in the order they were enqueued. */
  perKey?: 1;
  /**
   * Recurring: the registry keeps a schedule (key `default`, empty payload) with this period
   * (`'1h'`, or a setting in milliseconds: `fromConfig('storage.maintenanceIntervalMs')`), so
   * the queue runs once per period across all instances.
   */
  every?: string | FromConfig;
  /**
   * Recurring by calendar instead: a cron rule (`'0 3 * * *'`, six fields with seconds first)
   * read in `timeZone`; the registry keeps the schedule (key `default`) at start-up and the
   * queue runs once per fire time across all instances. Not with `every`.
   */
  cron?: string;
  /** IANA time zone `cron` is read in (`'Europe/Berlin'`). Default `UTC`. */
  timeZone?: string;
}

/** A claimed job as its handler sees it. */
export interface Job<P = Record<string, unknown>> {
  id: string;
  queue: string;
  key: string | null;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  correlationId: string | null;
  createdAt: Date;
  /**
   * Fires at the handler's timeout and when the instance shuts down: pass it to every call
   * that waits (`outbound.request({ ..., signal })`) and return. Until the handler returns,
   * the job stays leased and its key blocked.
   */
  signal: AbortSignal;
}

/**
 * A job handler runs outside any database transaction (the lease protects the job, not a row
 * lock), so it may make network calls. A thrown error is a retry with its message; returning
 * nothing counts as done.
 */
export interface JobRunner<P = Record<string, unknown>> {
  run(job: Job<P>): Promise<JobOutcome | void>;
}

/** Marks a provider as the handler of one queue; it must implement JobRunner (checked at boot). */
export const JobHandler = (options: JobHandlerOptions): ClassDecorator =>
  SetMetadata(JOB_HANDLER_KEY, options);
