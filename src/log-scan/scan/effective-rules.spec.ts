import { effectiveRules, ScopedRule } from './effective-rules.js';

const rule = (id: string, source: string | null, overrides: string | null = null, enabled = true) =>
  ({ id, source, overrides, enabled }) satisfies ScopedRule;

describe('effectiveRules', () => {
  const all = [
    rule('g1', null),
    rule('g2', null),
    rule('g3', null, null, false),
    rule('a-own', 'a'),
    rule('a-g1', 'a', 'g1'),
    rule('a-g2-muted', 'a', 'g2', false),
    rule('b-own', 'b'),
  ];

  it('is global minus the source overrides plus its own rules', () => {
    expect(effectiveRules(all, 'a').map((r) => r.id)).toEqual(['a-own', 'a-g1']);
  });

  it('leaves other sources with the global rules and their own', () => {
    expect(effectiveRules(all, 'b').map((r) => r.id)).toEqual(['g1', 'g2', 'b-own']);
    expect(effectiveRules(all, 'c').map((r) => r.id)).toEqual(['g1', 'g2']);
  });
});
