import { compileLinearRegex, InvalidPatternError, patternProblem } from './linear-regex.js';

describe('compileLinearRegex', () => {
  it('searches by default and anchors when asked (Alertmanager matchers are anchored)', () => {
    expect(compileLinearRegex('disk .* full').test('backup: disk /dev/sda1 full!')).toBe(true);
    expect(
      compileLinearRegex('disk .* full', { anchored: true }).test('backup: disk x full!'),
    ).toBe(false);
    expect(compileLinearRegex('disk .* full', { anchored: true }).test('disk x full')).toBe(true);
    // Anchoring wraps the whole alternation, not only its first branch.
    expect(compileLinearRegex('a|b', { anchored: true }).test('ab')).toBe(false);
  });

  it('returns named captures that took part in the match', () => {
    const re = compileLinearRegex('(?P<pod>[a-z0-9-]+) OOMKilled(?: by (?<who>\\w+))?');
    expect(re.exec('pod web-1 OOMKilled now')).toEqual({
      match: 'web-1 OOMKilled',
      index: 4,
      captures: { pod: 'web-1' },
    });
    expect(re.exec('nothing here')).toBeNull();
  });

  it('matches case-insensitively when asked', () => {
    expect(compileLinearRegex('error', { caseInsensitive: true }).test('ERROR: x')).toBe(true);
    expect(compileLinearRegex('error').test('ERROR: x')).toBe(false);
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const re = compileLinearRegex('(a+)+$', { anchored: true });
    const started = process.hrtime.bigint();
    expect(re.test('a'.repeat(50_000) + 'b')).toBe(false);
    // Not a timing assertion of our speed target: a backtracking engine takes longer than
    // the age of the universe here, so any finite answer proves linearity.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5_000);
  });

  it('refuses what RE2 cannot run, with the reason', () => {
    expect(() => compileLinearRegex('(a')).toThrow(InvalidPatternError);
    expect(patternProblem('(a')).toMatch(/missing/);
    expect(patternProblem('(\\w)\\1')).toMatch(/escape|invalid/i);
    expect(patternProblem('(?=x)')).not.toBeNull();
    expect(patternProblem('x'.repeat(2_001))).toMatch(/longer than/);
    expect(patternProblem('((a{100}){100}){100}')).not.toBeNull();
    expect(patternProblem('ok')).toBeNull();
  });

  it('caches compiled patterns per options', () => {
    expect(compileLinearRegex('x+')).toBe(compileLinearRegex('x+'));
    expect(compileLinearRegex('x+', { anchored: true })).not.toBe(compileLinearRegex('x+'));
  });
});
