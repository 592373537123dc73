import {
  compileLinearRegex,
  LinearRegex,
  LinearRegexOptions,
  patternProblem,
} from '../../common/regex/linear-regex.js';
import type { FieldErrorDto } from '../../common/http/problem.js';
import { SEVERITIES, Severity } from '../../events/event.types.js';
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
  const f = spec.filter;
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
    regex.push((e) => test(message(e)));
  }
  const all = [...cheap, ...regex];
  if (all.length === 0) return () => true;
  if (all.length === 1) return all[0];
  return (e) => {
    for (const p of all) if (!p(e)) return false;
    return true;
  };
}

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
      return (e) => test(read(e));
    }
    case '!~': {
      const test = memoTest(value, { anchored: true });
      return (e) => !test(read(e));
    }
  }
}

const memoized = new WeakMap<LinearRegex, (text: string) => boolean>();

/**
 * The regex's test, remembering its last input: triggers that share a pattern (operators
 * copy them) test the same label of the same event one after another, so each distinct
 * pattern runs once per event however many triggers use it.
 */
function memoTest(pattern: string, options: LinearRegexOptions): (text: string) => boolean {
  const re = compileLinearRegex(pattern, options);
  let test = memoized.get(re);
  if (!test) {
    let lastText: string | undefined;
    let lastResult = false;
    test = (text) => {
      if (text !== lastText) {
        lastResult = re.test(text);
        lastText = text;
      }
      return lastResult;
    };
    memoized.set(re, test);
  }
  return test;
}

function inList(label: 'severity' | 'source', entries: string[]): EventPredicate {
  const set = new Set(entries);
  return (e) => set.has(e[label]);
}

/** The equality a filter demands on `type` or `source`, if any: lets the matcher index triggers. */
export function requiredValue(spec: TriggerFilter, label: 'type' | 'source'): string | undefined {
  return spec.matchers.find((m) => m.label === label && m.op === '=')?.value;
}
