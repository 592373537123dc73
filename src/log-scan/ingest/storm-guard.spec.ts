import { admitHits, GuardState } from './storm-guard.js';

const now = new Date('2026-12-01T12:00:00Z');
const state = (tokens: number, secondsAgo = 0, cooldowns: [string, Date][] = []): GuardState => ({
  tokens,
  refilledAt: new Date(now.getTime() - secondsAgo * 1000),
  cooldownUntil: new Map(cooldowns),
});
const limits = { ratePerSecond: 2, burst: 5 };

describe('admitHits', () => {
  it('spends one token per published hit and drops the rest as rate-limited', () => {
    const hits = Array.from({ length: 7 }, () => ({ ruleId: 'r', cooldownMs: 0 }));
    const out = admitHits(hits, state(3), limits, now);
    expect(out.verdicts).toEqual([
      'published',
      'published',
      'published',
      'rate_limit',
      'rate_limit',
      'rate_limit',
      'rate_limit',
    ]);
    expect(out.tokens).toBe(0);
  });

  it('refills at the rate up to the burst', () => {
    expect(admitHits([], state(0, 1.5), limits, now).tokens).toBe(3);
    expect(admitHits([], state(1, 100), limits, now).tokens).toBe(5);
  });

  it('drops hits of a cooling rule without spending tokens, and starts cooldowns', () => {
    const hits = [
      { ruleId: 'cool', cooldownMs: 60_000 },
      { ruleId: 'cool', cooldownMs: 60_000 },
      { ruleId: 'busy', cooldownMs: 0 },
      { ruleId: 'old', cooldownMs: 1000 },
    ];
    const out = admitHits(hits, state(5, 0, [['old', new Date(now.getTime() + 500)]]), limits, now);
    expect(out.verdicts).toEqual(['published', 'cooldown', 'published', 'cooldown']);
    expect(out.tokens).toBe(3);
    expect(out.cooldownUntil.get('cool')).toEqual(new Date(now.getTime() + 60_000));
    expect(out.cooldownUntil.has('old')).toBe(false);
  });

  it('lets a rule fire again once its cooldown has passed', () => {
    const out = admitHits(
      [{ ruleId: 'r', cooldownMs: 1000 }],
      state(5, 0, [['r', new Date(now.getTime() - 1)]]),
      limits,
      now,
    );
    expect(out.verdicts).toEqual(['published']);
  });
});
