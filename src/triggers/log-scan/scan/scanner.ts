import type { LogStream } from '../rules/log-rule.entity.js';
import type { CompiledRule } from './rule-catalog.js';

/** One accepted log line, already cut to the size limit. */
export interface LogLine {
  text: string;
  /** When the line was written, if the shipper said; else the time it arrived. */
  time: Date | null;
  stream: LogStream | null;
  truncated: boolean;
}

export interface RuleHit {
  rule: CompiledRule;
  line: LogLine;
  captures: Record<string, string>;
}

/**
 * Every (line, rule) match in line order. A rule with a stream filter sees only that
 * stream's lines; a line without a stream is seen only by rules without one. The literal
 * prefilter rejects most lines before the regex runs.
 */
export function scanLines(lines: readonly LogLine[], rules: readonly CompiledRule[]): RuleHit[] {
  const hits: RuleHit[] = [];
  if (rules.length === 0) return hits;
  for (const line of lines) {
    const text = line.text;
    for (const rule of rules) {
      if (rule.stream !== null && rule.stream !== line.stream) continue;
      if (rule.literal !== null && !text.includes(rule.literal)) continue;
      const match = rule.regex.exec(text);
      if (match) hits.push({ rule, line, captures: match.captures });
    }
  }
  return hits;
}
