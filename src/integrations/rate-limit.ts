import { parseRetryAfter } from '../common/retry/retry-schedule.js';

/**
 * How long a peer asks us to wait, or undefined when the answer is no rate limit. 429 and
 * 503 with Retry-After (RFC 9110 §10.2.3); GitHub's limits answer 403 or 429: the primary
 * one with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds), a secondary
 * one with `retry-after` (docs.github.com, "Rate limits for the REST API"); a minute when the
 * reset is missing. Every wait goes through parseRetryAfter, so it is capped at one day like
 * every other Retry-After.
 */
export function rateLimitWaitMs(
  status: number,
  headers: Record<string, string>,
  now = Date.now(),
): number | undefined {
  if (status !== 403 && status !== 429 && status !== 503) return undefined;
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  if (status === 503 || headers['x-ratelimit-remaining']?.trim() !== '0') return undefined;
  const reset = headers['x-ratelimit-reset']?.trim();
  // GitHub: without a reset time, wait at least a minute.
  if (!reset || !/^\d+$/.test(reset)) return 60_000;
  // Reset is a moment; parseRetryAfter takes the seconds until it (0 when it has passed).
  return parseRetryAfter(String(Math.max(0, Math.ceil(Number(reset) - now / 1000))), now);
}
