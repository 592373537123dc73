import { Logger } from '@nestjs/common';
import {
  compileLinearRegex,
  InvalidPatternError,
  LinearRegex,
  LinearRegexOptions,
  patternProblem,
} from '../../common/regex/linear-regex.js';
import type { FieldErrorDto } from '../../common/http/problem.js';
import { SEVERITIES, Severity } from '../../events/index.js';
import {
  LABEL_PATTERN,
  LABEL_RULE,
  MatchableEvent,
  labelGetter,
  severityRank,
  splitList,
} from './labels.js';

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

/** The seed's shorthands, kept because operators paste them. */
export interface FilterShorthands {
  /** Comma-separated severities: the event's must be one of them. */
  severity?: string;
  /** Comma-separated sources: the event's must be one of them. */
  source?: string;
  /** Searched (unanchored) in `data.message`. */
  messageRegex?: string;
  /** The event's severity is this or above, in the bus's order. */
  severityAtLeast?: Severity;
}

export interface TriggerFilter {
  matchers: Matcher[];
  filter: FilterShorthands;
}

export type EventPredicate = (event: MatchableEvent) => boolean;

/**
 * The most of a value a regex reads: the first 16 KiB (UTF-16 code units, never half a
 * surrogate pair), as much as a log line keeps. A regex pass costs up to about 15 µs per
 * character at the pattern size limit, so an unbounded value (a 1 MB `data.message`) would
 * hold the trigger consumer for seconds per event.
 */
export const MAX_MATCH_TEXT = 16 * 1024;
const logger = new Logger('TriggerFilter');

/**
 * The filter with its blank fields left out: a list with no entries (`"severity": ""`,
 * `" , "`) or an empty `messageRegex` means what an absent field means, match every event,
 * as the seed's empty filter did. (A regex of spaces is not blank: it matches a space.)
 */
export function withoutBlanks(filter: FilterShorthands): FilterShorthands {
  const out: FilterShorthands = { ...filter };
  if (out.severity !== undefined && splitList(out.severity).length === 0) delete out.severity;
  if (out.source !== undefined && splitList(out.source).length === 0) delete out.source;
  if (out.messageRegex === '') delete out.messageRegex;
  if ((out.severityAtLeast as string | undefined) === '') delete out.severityAtLeast;
  return out;
}

/**
 * Every field error of a filter (label grammar, regexes RE2 refuses, unknown severities), so
 * a save is refused with all of them at once and nothing is written.
 */
export function filterProblems(spec: TriggerFilter): FieldErrorDto[] {
  const errors: FieldErrorDto[] = [];
  spec.matchers.forEach((m, i) => {
    if (!LABEL_PATTERN.test(m.label))
      errors.push({ field: `matchers[${i}].label`, message: LABEL_RULE });
    if (m.op === '=~' || m.op === '!~') {
      const problem = patternProblem(m.value, { anchored: true });
      if (problem)
        errors.push({ field: `matchers[${i}].value`, message: `invalid regex: ${problem}` });
    }
  });
  const f = spec.filter;
  if (f.severity !== undefined) {
    const unknown = splitList(f.severity).filter((s) => severityRank(s) < 0);
    if (unknown.length > 0)
      errors.push({
        field: 'filter.severity',
        message: `unknown severity ${unknown.join(', ')} (one of ${SEVERITIES.join(', ')})`,
      });
  }
  if (f.messageRegex !== undefined) {
    const problem = patternProblem(f.messageRegex);
    if (problem)
      errors.push({ field: 'filter.messageRegex', message: `invalid regex: ${problem}` });
  }
  return errors;
}

/**
 * One predicate for a saved filter: every matcher and shorthand ANDed, cheap checks first and
 * regexes last (linear-time RE2, compiled once and cached). An empty filter matches everything.
 * Call only on a filter {@link filterProblems} accepted.
 */
export function compileFilter(spec: TriggerFilter): EventPredicate {
  const cheap: EventPredicate[] = [];
  const regex: EventPredicate[] = [];
  // Saves and the 1764730100000 migration drop blanks; a row written otherwise matches the same.
  const f = withoutBlanks(spec.filter);
  if (f.severity !== undefined) cheap.push(inList('severity', splitList(f.severity)));
  if (f.source !== undefined) cheap.push(inList('source', splitList(f.source)));
  if (f.severityAtLeast !== undefined) {
    const floor = severityRank(f.severityAtLeast);
    const atLeast = new Set(SEVERITIES.filter((s) => severityRank(s) >= floor));
    cheap.push((e) => atLeast.has(e.severity));
  }
  for (const m of spec.matchers) (isRegexOp(m.op) ? regex : cheap).push(matcherPredicate(m));
  if (f.messageRegex !== undefined) {
    const test = memoTest(f.messageRegex, {});
    const message = labelGetter('data.message');
    regex.push(test ? (e) => test(message(e)) : never);
  }
  const all = [...cheap, ...regex];
  if (all.length === 0) return () => true;
  if (all.length === 1) return all[0];
  return (e) => {
    for (const p of all) if (!p(e)) return false;
    return true;
  };
}

const never: EventPredicate = () => false;

function isRegexOp(op: MatchOp): boolean {
  return op === '=~' || op === '!~';
}

function matcherPredicate(m: Matcher): EventPredicate {
  const { value } = m;
  const read = labelGetter(m.label);
  switch (m.op) {
    case '=':
      return (e) => read(e) === value;
    case '!=':
      return (e) => read(e) !== value;
    case '=~': {
      const test = memoTest(value, { anchored: true });
      return test ? (e) => test(read(e)) : never;
    }
    case '!~': {
      const test = memoTest(value, { anchored: true });
      return test ? (e) => !test(read(e)) : never;
    }
  }
}

const memoized = new WeakMap<LinearRegex, (text: string) => boolean>();

/**
 * The regex's test, remembering its last input: triggers that share a pattern (operators
 * copy them) test the same label of the same event one after another, so each distinct
 * pattern runs once per event however many triggers use it.
 */
function memoTest(
  pattern: string,
  options: LinearRegexOptions,
): ((text: string) => boolean) | null {
  let re: LinearRegex;
  try {
    re = compileLinearRegex(pattern, options);
  } catch (error) {
    // Saved before a limit was added (or by an older engine): the matcher never holds (`=~`
    // and `!~` alike), so its trigger cannot fire and its silence cannot mute, instead of the
    // consumer failing on every batch.
    if (!(error instanceof InvalidPatternError)) throw error;
    logger.warn(
      `saved regex ${JSON.stringify(pattern)} is refused now, never matches: ${error.reason}`,
    );
    return null;
  }
  let test = memoized.get(re);
  if (!test) {
    let lastText: string | undefined;
    let lastResult = false;
    test = (text) => {
      if (text !== lastText) {
        lastResult = re.test(matchText(text));
        lastText = text;
      }
      return lastResult;
    };
    memoized.set(re, test);
  }
  return test;
}

/** The part of a value a regex reads (see {@link MAX_MATCH_TEXT}). */
export function matchText(text: string): string {
  if (text.length <= MAX_MATCH_TEXT) return text;
  const high = text.charCodeAt(MAX_MATCH_TEXT - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_MATCH_TEXT - 1 : MAX_MATCH_TEXT);
}

function inList(label: 'severity' | 'source', entries: string[]): EventPredicate {
  const set = new Set(entries);
  return (e) => set.has(e[label]);
}

/** The equality a filter demands on `type` or `source`, if any: lets the matcher index triggers. */
export function requiredValue(spec: TriggerFilter, label: 'type' | 'source'): string | undefined {
  return spec.matchers.find((m) => m.label === label && m.op === '=')?.value;
}
