/** What happens to one rule hit. */
export type HitVerdict = 'published' | 'cooldown' | 'rate_limit';

export interface GuardState {
  /** Tokens in the source's bucket when it was last refilled. */
  tokens: number;
  refilledAt: Date;
  /** Per rule (for this source): no event before this time. */
  cooldownUntil: Map<string, Date>;
}

export interface GuardLimits {
  ratePerSecond: number;
  burst: number;
}

/**
 * Decides each hit in line order. A rule cooling down drops its hit without spending a
 * token; otherwise a hit takes a token from the source's bucket (refilled at `ratePerSecond`
 * up to `burst`) or is dropped as rate-limited. A published hit starts its rule's cooldown.
 * Pure: the caller loads and stores the state under the source's row lock.
 */
export function admitHits(
  hits: readonly { ruleId: string; cooldownMs: number }[],
  state: GuardState,
  limits: GuardLimits,
  now: Date,
): { verdicts: HitVerdict[]; tokens: number; cooldownUntil: Map<string, Date> } {
  const elapsed = Math.max(0, now.getTime() - state.refilledAt.getTime()) / 1000;
  let tokens = Math.min(limits.burst, state.tokens + elapsed * limits.ratePerSecond);
  const started = new Map<string, Date>();
  const verdicts = hits.map(({ ruleId, cooldownMs }): HitVerdict => {
    const until = started.get(ruleId) ?? state.cooldownUntil.get(ruleId);
    if (until && until > now) return 'cooldown';
    if (tokens < 1) return 'rate_limit';
    tokens -= 1;
    if (cooldownMs > 0) started.set(ruleId, new Date(now.getTime() + cooldownMs));
    return 'published';
  });
  return { verdicts, tokens, cooldownUntil: started };
}
