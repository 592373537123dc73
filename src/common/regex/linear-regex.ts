import { RE2JS, RE2JSException } from 're2js';

/**
 * Regular expressions that operators save (trigger matchers, log-scan rules) run on RE2
 * semantics through `re2js`, a pure-JavaScript port of RE2/J: matching time is linear in the
 * input whatever the pattern, so no saved pattern can hang the process (`(a+)+$` against
 * 50,000 `a`s takes milliseconds). Chosen over `re2-wasm` (about ten times slower per match
 * here: every call copies the string into wasm memory) and the native `re2` (an install script
 * that compiles C++ during `npm ci`). RE2 has no backreferences or lookarounds; such a pattern
 * is refused with the reason, as is one whose compiled program is unreasonably large.
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
/** RE2's rough cost measure; `(x{1000}){1000}` style patterns exceed it. */
const MAX_PROGRAM_SIZE = 20_000;
const CACHE_LIMIT = 5_000;
const cache = new Map<string, LinearRegex>();

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
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
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
  if (re.programSize() > MAX_PROGRAM_SIZE) {
    throw new InvalidPatternError(pattern, 'pattern is too large (RE2 program size over 20000)');
  }
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

function describe(error: RE2JSException): string {
  const described = (error as { getDescription?: () => string }).getDescription?.();
  return (described || error.message || 'not a valid RE2 pattern').trim();
}
