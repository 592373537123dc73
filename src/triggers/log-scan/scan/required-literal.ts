/**
 * A literal substring every match of an RE2 pattern must contain, or null when none can be
 * proven. The scanner checks `line.includes(literal)` before running the regex: most log
 * lines match no rule, and a substring search is many times cheaper than a regex pass.
 *
 * Deliberately conservative: only literals outside every group and class count, a character
 * followed by `?`, `*` or `{` is dropped, and patterns with top-level alternation (`|`), a
 * case-insensitive flag or escapes with arguments (`\Q`, `\p`, `\x`, octal) get no prefilter.
 * A wrong literal would silently lose hits; a missing one only costs time.
 */
export function requiredLiteral(pattern: string, minLength = 3): string | null {
  if (/\(\?[a-zA-Z-]*i/.test(pattern)) return null;
  return literalOf(pattern, minLength);
}

/**
 * The prefilter of a pattern that starts with `(?i)` (case-insensitive throughout): a
 * lowercase ASCII literal to look for in {@link foldForPrefilter}(line). Only ASCII: outside
 * it, JavaScript's lowercasing and RE2's case folding disagree (final sigma, ...).
 */
export function foldedLiteral(pattern: string, minLength = 3): string | null {
  const flags = /^\(\?([a-zA-Z]*)\)/.exec(pattern);
  if (!flags || !flags[1].includes('i')) return null;
  const rest = pattern.slice(flags[0].length);
  if (/\(\?[a-zA-Z-]*i/.test(rest)) return null;
  const literal = literalOf(rest, minLength);
  return literal !== null && /^[\x20-\x7e]+$/.test(literal) ? literal.toLowerCase() : null;
}

/**
 * A line lowercased for {@link foldedLiteral}. RE2's case folding maps two non-ASCII
 * characters onto ASCII letters: U+212A KELVIN SIGN (JavaScript lowercases it to `k`) and
 * U+017F LONG S (which it leaves alone), so that one is mapped here.
 */
export function foldForPrefilter(line: string): string {
  const lower = line.toLowerCase();
  return lower.includes('\u017f') ? lower.replaceAll('\u017f', 's') : lower;
}

function literalOf(pattern: string, minLength: number): string | null {
  const runs: string[] = [];
  let run = '';
  const flush = () => {
    if (run) runs.push(run);
    run = '';
  };
  let depth = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    let literal: string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || /[QEpPx0-9]/.test(next)) return null;
      if (/[A-Za-z]/.test(next)) {
        flush();
        i += 2;
        continue;
      }
      literal = next;
      i += 2;
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) return null;
      flush();
      i = end + 1;
      continue;
    } else if (c === '|') {
      // Inside a group it only chooses within that group, whose literals are not used.
      if (depth === 0) return null;
      i++;
      continue;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      flush();
      i++;
      continue;
    } else if ('.^$*+?{}'.includes(c)) {
      flush();
      i++;
      continue;
    } else {
      literal = String.fromCodePoint(pattern.codePointAt(i)!);
      i += literal.length;
    }
    if (depth > 0) continue;
    const quantifier = pattern[i];
    if (quantifier === '?' || quantifier === '*' || quantifier === '{') {
      flush();
    } else if (quantifier === '+') {
      run += literal;
      flush();
    } else {
      run += literal;
    }
  }
  flush();
  const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest.length >= minLength ? longest : null;
}

/** Index of the `]` closing the class opened at `start`, or -1. */
function classEnd(pattern: string, start: number): number {
  let j = start + 1;
  if (pattern[j] === '^') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length) {
    const c = pattern[j];
    if (c === '\\') j += 2;
    else if (c === '[' && pattern[j + 1] === ':') {
      const close = pattern.indexOf(':]', j + 2);
      if (close < 0) return -1;
      j = close + 2;
    } else if (c === ']') return j;
    else j++;
  }
  return -1;
}
