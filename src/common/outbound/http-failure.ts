/** Whether a failed HTTP call is worth trying again later. */
export type HttpFailureKind = 'transient' | 'permanent';

/**
 * The hub's one rule for transient versus permanent HTTP failures, used by every module that
 * retries (calendar sync and cleanup, Jira and GitHub card syncs). Transient: no answer at all
 * (`status` null: network error, timeout, abort), 408 Request Timeout, 429 Too Many Requests
 * and any 5xx: the peer may answer differently later. Permanent: every other status, a refusal
 * the peer will repeat (RFC 9110 section 15.5). A caller may treat a specific answer
 * differently on top (a rate-limited 403, an unusable 2xx), but not redefine this rule.
 */
export function classifyHttpFailure(status: number | null): HttpFailureKind {
  if (status === null || status === 408 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}
