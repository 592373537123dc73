/**
 * When the next attempt is due after a failed attempt number `attempt` (1-based), or
 * undefined when the schedule is exhausted. ±10% jitter spreads retries of a burst; a
 * Retry-After the receiver asked for (429/503) wins when it is longer.
 */
export function nextAttemptDelayMs(
  schedule: readonly number[],
  attempt: number,
  retryAfterMs?: number,
): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.9 + Math.random() * 0.2));
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/** Parses Retry-After (delta-seconds or an HTTP date), capped at one day. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, 86_400_000);
}
