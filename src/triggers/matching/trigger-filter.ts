import { compileLinearRegex, patternProblem } from '../../common/regex/linear-regex.js';
import type { FieldErrorDto } from '../../common/http/problem.js';
import { SEVERITIES, Severity } from '../../events/event.types.js';
import {
  LABEL_PATTERN,
  LABEL_RULE,
  MatchableEvent,
  labelValue,
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
    cheap.push((e) => severityRank(e.severity) >= floor);
  }
  for (const m of spec.matchers) (isRegexOp(m.op) ? regex : cheap).push(matcherPredicate(m));
  if (f.messageRegex !== undefined) {
    const re = compileLinearRegex(f.messageRegex);
    regex.push((e) => re.test(labelValue(e, 'data.message')));
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
  const { label, value } = m;
  switch (m.op) {
    case '=':
      return (e) => labelValue(e, label) === value;
    case '!=':
      return (e) => labelValue(e, label) !== value;
    case '=~': {
      const re = compileLinearRegex(value, { anchored: true });
      return (e) => re.test(labelValue(e, label));
    }
    case '!~': {
      const re = compileLinearRegex(value, { anchored: true });
      return (e) => !re.test(labelValue(e, label));
    }
  }
}

function inList(label: 'severity' | 'source', entries: string[]): EventPredicate {
  const set = new Set(entries);
  return (e) => set.has(e[label]);
}

/** The equality a filter demands on `type` or `source`, if any: lets the matcher index triggers. */
export function requiredValue(spec: TriggerFilter, label: 'type' | 'source'): string | undefined {
  return spec.matchers.find((m) => m.label === label && m.op === '=')?.value;
}
