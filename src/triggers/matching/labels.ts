import { SEVERITIES, Severity } from '../../events/index.js';

/** What a matcher or a groupBy entry can look at: an event's fields, or a dotted path into its data. */
export const FIXED_LABELS = ['type', 'source', 'subject', 'origin', 'severity'] as const;
export const LABEL_PATTERN =
  /^(type|source|subject|origin|severity|data(\.[A-Za-z0-9_-]{1,100}){1,10})$/;
export const LABEL_RULE = 'must be type, source, subject, origin, severity or data.<path>';

/** The part of an event triggers look at. */
export interface MatchableEvent {
  type: string;
  source: string;
  subject: string | null;
  origin: string | null;
  severity: Severity;
  data: Record<string, unknown>;
}

/**
 * A label's value as text. Like Alertmanager, a label the event lacks equals the empty
 * string (so `subject = ""` matches events without one); numbers and booleans compare as
 * their JSON text, objects and arrays as their JSON.
 */
export function labelValue(event: MatchableEvent, label: string): string {
  return labelGetter(label)(event);
}

export type LabelGetter = (event: MatchableEvent) => string;

const FIXED: Record<string, LabelGetter> = {
  type: (e) => e.type,
  source: (e) => e.source,
  subject: (e) => e.subject ?? '',
  origin: (e) => e.origin ?? '',
  severity: (e) => e.severity,
};

/** The label's reader, built once per matcher: the hot loop splits no paths. */
export function labelGetter(label: string): LabelGetter {
  const fixed = FIXED[label];
  if (fixed) return fixed;
  const path = label.slice('data.'.length).split('.');
  return (event) => {
    let value: unknown = event.data;
    for (const key of path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    return typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : JSON.stringify(value);
  };
}

/** The bus's severity order, lowest first. */
export function severityRank(severity: string): number {
  return SEVERITIES.indexOf(severity as Severity);
}

/** `"error, critical"` -> `['error', 'critical']`: spaces around entries ignored, empties dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
