import { nextAttemptDelayMs } from '../common/retry/retry-schedule.js';
/** What a handler's `run(job)` answers; build one with the helpers below. */
export type JobOutcome =
  | { kind: 'done'; summary?: string }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'fail'; error: string }
  | { kind: 'reschedule'; at: Date; summary?: string };

/** Finished: the job succeeds. */
export const done = (summary?: string): JobOutcome => ({ kind: 'done', summary });

/**
 * Try again after max(the next step of the retry schedule, `retryAfterMs`), e.g. a 429 or 503
 * with Retry-After. When the schedule is exhausted the job fails with `error`.
 */
export const retry = (error: string, retryAfterMs?: number): JobOutcome => ({
  kind: 'retry',
  error,
  retryAfterMs,
});

/** Not retryable (a 4xx other than 408/429, a payload that can never work): the job fails. */
export const fail = (error: string): JobOutcome => ({ kind: 'fail', error });

/** Run again at `at` (polling, a later window); not a failure, the retry count starts over. */
export const reschedule = (at: Date, summary?: string): JobOutcome => ({
  kind: 'reschedule',
  at,
  summary,
});

export const JobOutcome = { done, retry, fail, reschedule };

/**
 * Delay before the next try after `failures` consecutive failures (1-based), or undefined
 * when the schedule is exhausted: the same schedule rule as webhook deliveries.
 */
export const retryDelayMs = nextAttemptDelayMs;
