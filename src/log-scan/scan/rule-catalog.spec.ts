import type { StoredRule } from '../rules/log-rule.repository.js';
import { RuleSet } from './rule-catalog.js';

const rule = (id: string, source: string | null): StoredRule => ({
  id,
  name: id,
  description: '',
  pattern: 'disk .* full',
  stream: null,
  severity: 'warning',
  eventType: 'log.disk_full',
  cooldownMs: 0,
  source,
  overrides: null,
  enabled: true,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('RuleSet', () => {
  it('keeps the rules of a busy source memoised through a flood of new source names', () => {
    const sut = new RuleSet('1', [rule('global', null), rule('own', 'busy')]);
    const busy = sut.forSource('busy');
    expect(busy.map((r) => r.id)).toEqual(['global', 'own']);
    const first = sut.forSource('flood-0');
    for (let i = 1; i <= 25_000; i++) {
      sut.forSource(`flood-${i}`);
      if (i % 1_000 === 0) expect(sut.forSource('busy')).toBe(busy);
    }
    // Bounded: the coldest name went out and is worked out afresh.
    expect(sut.forSource('flood-0')).not.toBe(first);
    expect(sut.forSource('flood-0')).toEqual(first);
  });
});
