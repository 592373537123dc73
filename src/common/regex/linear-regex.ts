import { LRUCache } from 'lru-cache';
import { RE2JS, RE2JSException } from 're2js';

/**
 * Regular expressions that operators save (trigger matchers, log-scan rules) run on RE2
 * semantics through `re2js`, a pure-JavaScript port of RE2/J: matching time is linear in the
 * input whatever the pattern (`(a+)+$` against 50,000 `a`s takes milliseconds, no
 * backtracking). Chosen over `re2-wasm` (about ten times slower per match here: every call
 * copies the string into wasm memory) and the native `re2` (an install script that compiles
 * C++ during `npm ci`). RE2 has no backreferences or lookarounds; such a pattern is refused
 * with the reason.
 *
 * Linear is not cheap: the work per character grows with the compiled program, since the NFA
 * may keep one thread per instruction alive (`[ab]*a[ab]{1000}[c-z]` costs about 10 µs per
 * character of `abab...` text, 19 s for two 1 MB values). So a program over
 * {@link MAX_PROGRAM_SIZE} instructions is refused too; callers also cap the text a pattern
 * reads and yield the event loop between matches (docs/log-scan.md, docs/triggers.md).
 */

/** `anchored`: the whole text must match (Alertmanager's matchers); `search`: any part may. */
export interface LinearRegexOptions {
  anchored?: boolean;
  caseInsensitive?: boolean;
}

export interface RegexMatch {
  /** The matched text. */
  match: string;
  /** UTF-16 offset of the match in the text. */
  index: number;
  /** Named groups that took part in the match. */
  captures: Record<string, string>;
}

export interface LinearRegex {
  readonly pattern: string;
  readonly options: Readonly<Required<LinearRegexOptions>>;
  test(text: string): boolean;
  exec(text: string): RegexMatch | null;
}

/** A pattern RE2 cannot compile; `reason` is RE2's description, fit for a 400 detail. */
export class InvalidPatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid regular expression: ${reason}`);
    this.name = 'InvalidPatternError';
  }
}

/** Longest pattern accepted; operators paste patterns, not documents. */
export const MAX_PATTERN_LENGTH = 2_000;
/**
 * Instructions in the compiled program (RE2's cost measure, counted after counted repetitions
 * are expanded: `.{0,100}` is about 200). Realistic patterns stay well under it
 * (`error.{0,100}timeout` 214, an IPv4 address 25, `[A-Z]{2,10}-\d+` 23); the worst pattern at
 * the limit costs about 0.25 s per 16 KiB of hostile text (docs/log-scan.md#regex-cost).
 */
export const MAX_PROGRAM_SIZE = 250;
/**
 * Compiled patterns kept, least recently used first out: the patterns of saved rules are used
 * on every match and stay, while a flood of one-off patterns (validation of what operators
 * type) passes through without evicting them.
 */
export const REGEX_CACHE_MAX = 5_000;
const cache = new LRUCache<string, LinearRegex>({ max: REGEX_CACHE_MAX });

/**
 * Compiles (or returns the cached) linear-time regex. Throws {@link InvalidPatternError} for
 * a pattern RE2 refuses, one longer than {@link MAX_PATTERN_LENGTH} or one too large to run.
 */
export function compileLinearRegex(pattern: string, options: LinearRegexOptions = {}): LinearRegex {
  const resolved = {
    anchored: options.anchored ?? false,
    caseInsensitive: options.caseInsensitive ?? false,
  };
  const cacheKey = `${resolved.anchored ? 'a' : 's'}${resolved.caseInsensitive ? 'i' : 'c'}:${pattern}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const compiled = compile(pattern, resolved);
  cache.set(cacheKey, compiled);
  return compiled;
}

/** The reason a pattern would be refused, or null when it compiles. */
export function patternProblem(pattern: string, options: LinearRegexOptions = {}): string | null {
  try {
    compileLinearRegex(pattern, options);
    return null;
  } catch (error) {
    if (error instanceof InvalidPatternError) return error.reason;
    throw error;
  }
}

function compile(pattern: string, options: Required<LinearRegexOptions>): LinearRegex {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new InvalidPatternError(pattern, `longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const source = options.anchored ? `^(?:${pattern})$` : pattern;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    if (error instanceof RE2JSException) throw new InvalidPatternError(pattern, describe(error));
    throw error;
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new InvalidPatternError(
      pattern,
      `pattern is too costly to match: it compiles to ${size} instructions and the limit is ` +
        `${MAX_PROGRAM_SIZE} (a counted repetition is expanded, so x{0,100} counts about 200: ` +
        'use smaller {m,n} bounds, or * and +)',
    );
  }
  limitDfaMemory(re);
  const names = Object.keys(re.namedGroups());
  return {
    pattern,
    options,
    test: (text) => re.test(text),
    exec: (text) => {
      const found = re.exec(text) as
        (RegExpExecArray & { groups?: Record<string, string | undefined> }) | null;
      if (!found) return null;
      const captures: Record<string, string> = {};
      for (const name of names) {
        const value = found.groups?.[name];
        if (value !== undefined && value !== null) captures[name] = value;
      }
      return { match: found[0], index: found.index, captures };
    },
  };
}

/** Memory of one pattern's lazy DFA (RE2's `max_mem`; re2js's default is 8 MiB). */
export const DFA_MAX_MEM = 256 * 1024;

/**
 * Gives the pattern's lazy DFA a smaller memory budget. On text that defeats the DFA (a
 * state per position, `[ab]*a[ab]{240}` on `abab...`) re2js rebuilds its state cache until it
 * sees no progress and only then falls back to the NFA: with 8 MiB that waste took 0.3 s of a
 * 16 KiB line, with 256 KiB 0.08 s, and ordinary patterns never need more (their DFAs have a
 * few dozen states). re2js takes no such option at compile time, so its DFA is replaced
 * before first use, through `RE2.lazyDFA` (declared in its typings); if a later re2js changes
 * that shape, the default stays (linear-regex.spec.ts notices).
 */
export function limitDfaMemory(re: RE2JS): void {
  const engine = re.re2() as unknown as {
    prog?: unknown;
    lazyDFA?: { maxMem?: number } | null;
    dfa?: { constructor: new (prog: unknown, maxMem: number) => { maxMem?: number } };
  };
  if (engine.lazyDFA !== null || engine.prog === undefined) return;
  const Dfa = engine.dfa?.constructor;
  if (typeof Dfa === 'function') engine.lazyDFA = new Dfa(engine.prog, DFA_MAX_MEM);
}

function describe(error: RE2JSException): string {
  const described = (error as { getDescription?: () => string }).getDescription?.();
  return (described || error.message || 'not a valid RE2 pattern').trim();
}
