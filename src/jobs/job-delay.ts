/**
 * The furthest a job is ever put off: 30 days. Any delay or run time the jobs layer is given
 * is clamped to [now, now + this], so a peer's Retry-After or a handler's arithmetic (an
 * overflow, NaN, an invalid Date) can never make the settle statement fail and leave the job
 * `running` until its lease expires.
 */
export const MAX_JOB_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

/** A delay in whole milliseconds within [0, MAX_JOB_DELAY_MS]; NaN counts as 0. */
export function clampDelayMs(delayMs: number): number {
  if (Number.isNaN(delayMs) || delayMs <= 0) return 0;
  return Math.round(Math.min(delayMs, MAX_JOB_DELAY_MS));
}

/** A run time within [now, now + MAX_JOB_DELAY_MS]; an invalid Date means now. */
export function clampRunAt(runAt: Date, now = Date.now()): Date {
  const at = runAt.getTime();
  if (Number.isNaN(at) || at <= now) return new Date(now);
  return new Date(Math.min(at, now + MAX_JOB_DELAY_MS));
}
