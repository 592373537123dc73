import { RE2JS } from 're2js';
import {
  compileLinearRegex,
  DFA_MAX_MEM,
  InvalidPatternError,
  limitDfaMemory,
  patternProblem,
  REGEX_CACHE_MAX,
} from './linear-regex.js';

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

  // The measured cases: each blocked matching for seconds per MiB of hostile text.
  it.each([
    ['[ab]*a[ab]{1000}[c-z]', { anchored: true }],
    ['[ab]*a[ab]{99}[ab]{99}[ab]{99}[c-z]', {}],
    ['error.{0,1000}timeout', {}],
  ])('refuses %s as too costly to match, naming the limit', (pattern, options) => {
    expect(patternProblem(pattern, options)).toMatch(/too costly.*limit is 250/);
  });

  it.each([
    ['\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}'],
    ['(?P<ip>(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)){3})'],
    ['error.{0,100}timeout'],
    ['(?i)error.{0,100}timeout'],
    ['[A-Z]{2,10}-\\d+'],
    ['OOMKilled.*container (?P<container>\\S+)'],
    ['^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z (?P<level>ERROR|WARN) '],
  ])('keeps the realistic pattern %s', (pattern) => {
    expect(patternProblem(pattern)).toBeNull();
    expect(patternProblem(pattern, { anchored: true })).toBeNull();
  });

  it('gives each pattern a small DFA memory budget (hostile text falls back to the NFA sooner)', () => {
    const re = RE2JS.compile('[ab]*a[ab]{240}[c-z]');
    limitDfaMemory(re);
    expect((re.re2().lazyDFA as unknown as { maxMem: number }).maxMem).toBe(DFA_MAX_MEM);
    expect(re.test(`bb${'a'.repeat(241)}c`)).toBe(true);
  });

  it('caches compiled patterns per options', () => {
    expect(compileLinearRegex('x+')).toBe(compileLinearRegex('x+'));
    expect(compileLinearRegex('x+', { anchored: true })).not.toBe(compileLinearRegex('x+'));
  });

  it('keeps a hot pattern through a flood of others, and stays at its size', () => {
    const hot = compileLinearRegex('hot-(?P<n>[0-9]+)');
    const first = compileLinearRegex('flood-0');
    for (let i = 1; i <= REGEX_CACHE_MAX + 1_000; i++) {
      compileLinearRegex(`flood-${i}`);
      if (i % 500 === 0) expect(compileLinearRegex('hot-(?P<n>[0-9]+)')).toBe(hot);
    }
    expect(compileLinearRegex('hot-(?P<n>[0-9]+)')).toBe(hot);
    // The size is bounded: the coldest pattern went out and is compiled afresh.
    expect(compileLinearRegex('flood-0')).not.toBe(first);
  });
});
