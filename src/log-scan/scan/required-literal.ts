import { RE2JS, RE2JSException } from 're2js';

/**
 * What a line must contain for a rule's regex to be able to match it: a literal, all of
 * several, or any of several. The scanner checks it with `includes` before running the regex:
 * most log lines match no rule, and a substring search is many times cheaper than a regex pass.
 */
export type LiteralNeed = string | { all: LiteralNeed[] } | { any: LiteralNeed[] };

export interface LinePrefilter {
  need: LiteralNeed;
  /** The literals are lowercase ASCII, to look for in {@link foldForPrefilter}(line). */
  folded: boolean;
}

/**
 * re2js's own prefilter tree, built by the engine from the parsed and simplified pattern
 * (`RE2.prefilter`): literal runs (EXACT) combined by concatenation (AND) and alternation
 * (OR); `x{m,n}` counts as `x` only when m >= 1, `?` and `*` contribute nothing. Reading the
 * syntax tree rather than the pattern text is the point: a hand tokenizer once took the digits
 * of `\d{1,3}` for text the line must contain, and such rules never fired. The numbers are
 * re2js's `Prefilter.Type` (not exported); the unit spec fails if they change.
 */
interface EnginePrefilter {
  type: number;
  str: string;
  subs: EnginePrefilter[];
}
const EXACT = 1;
const AND = 2;
const OR = 3;

/**
 * The prefilter of a pattern, or null when the engine proves no literal. A literal shorter
 * than `minLength` is not worth a search and counts as unknown. Case-insensitive literals get
 * none from the engine; for a pattern that starts with `(?i)` (case-insensitive throughout),
 * the literals of the same pattern without the flag are used, lowercased, ASCII only (outside
 * ASCII, JavaScript's lowercasing and RE2's case folding disagree: final sigma, ...).
 * A wrong literal would silently lose hits; a missing one only costs time.
 */
export function linePrefilter(pattern: string, minLength = 3): LinePrefilter | null {
  const flags = /^\(\?([a-zA-Z]*)\)/.exec(pattern);
  const folded = flags !== null && flags[1].includes('i');
  const source = folded
    ? `(?${flags[1].replaceAll('i', '')})${pattern.slice(flags[0].length)}`
    : pattern;
  let tree: EnginePrefilter | null;
  try {
    tree = (RE2JS.compile(source).re2().prefilter as EnginePrefilter | null) ?? null;
  } catch (error) {
    if (error instanceof RE2JSException) return null;
    throw error;
  }
  const keep = folded
    ? (s: string) => s.length >= minLength && /^[\x20-\x7e]+$/.test(s)
    : (s: string) => s.length >= minLength;
  const need = tree ? convert(tree, keep, folded) : null;
  return need === null ? null : { need, folded };
}

/** The engine's tree as {@link LiteralNeed}, or null where it proves nothing. */
function convert(
  node: EnginePrefilter,
  keep: (s: string) => boolean,
  fold: boolean,
): LiteralNeed | null {
  if (node.type === EXACT)
    return keep(node.str) ? (fold ? node.str.toLowerCase() : node.str) : null;
  if (node.type === AND) {
    // Each part is required on its own: an unknown one is dropped.
    const parts = node.subs.map((s) => convert(s, keep, fold)).filter((s) => s !== null);
    return parts.length === 0 ? null : parts.length === 1 ? parts[0] : { all: parts };
  }
  if (node.type === OR) {
    // One unknown branch could match anything: the whole choice proves nothing.
    const parts: LiteralNeed[] = [];
    for (const sub of node.subs) {
      const part = convert(sub, keep, fold);
      if (part === null) return null;
      parts.push(part);
    }
    return parts.length === 1 ? parts[0] : { any: parts };
  }
  return null;
}

/** Whether `text` holds what `need` demands (the text already folded for a folded filter). */
export function satisfies(need: LiteralNeed, text: string): boolean {
  if (typeof need === 'string') return text.includes(need);
  if ('all' in need) return need.all.every((n) => satisfies(n, text));
  return need.any.some((n) => satisfies(n, text));
}

/**
 * A line lowercased for a folded prefilter. RE2's case folding maps two non-ASCII characters
 * onto ASCII letters: U+212A KELVIN SIGN (JavaScript lowercases it to `k`) and U+017F LONG S
 * (which it leaves alone), so that one is mapped here.
 */
export function foldForPrefilter(line: string): string {
  const lower = line.toLowerCase();
  return lower.includes('\u017f') ? lower.replaceAll('\u017f', 's') : lower;
}
