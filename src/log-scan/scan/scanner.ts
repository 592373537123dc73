import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogStream } from '../rules/log-rule.entity.js';
import type { CompiledRule } from './rule-catalog.js';
import { foldForPrefilter, satisfies } from './required-literal.js';

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
 * How long a scan may hold the event loop at once (`sliceMs`) and in all (`batchMs`, scanning
 * time only, not the time spent waiting for the loop).
 */
export interface ScanBudget {
  sliceMs: number;
  batchMs: number;
}

export interface ScanResult {
  hits: RuleHit[];
  /** Lines not scanned (or not against every rule) because the batch ran out of time. */
  unscanned: number;
}

/**
 * Every (line, rule) match in line order. A rule with a stream filter sees only that
 * stream's lines; a line without a stream is seen only by rules without one. The literal
 * prefilter rejects most lines before the regex runs (an unanchored re2js search of a
 * 120-character line costs about 0.35 µs of CPU, several times a substring search).
 *
 * A saved pattern is small (see `MAX_PROGRAM_SIZE`) and a line is at most 16 KiB, so one
 * regex pass over one line is bounded (about 0.25 s at worst); between passes the scan yields
 * the event loop once it has held it for `sliceMs`, so `/health` and other requests go on
 * during a hostile batch. After `batchMs` of scanning the rest of the batch is not scanned
 * and counted in `unscanned`: a publisher cannot buy unbounded CPU with one request.
 */
export async function scanLines(
  lines: readonly LogLine[],
  rules: readonly CompiledRule[],
  budget: ScanBudget,
): Promise<ScanResult> {
  const hits: RuleHit[] = [];
  if (rules.length === 0) return { hits, unscanned: 0 };
  const folds = rules.some((r) => r.prefilter?.folded);
  let spent = 0;
  let sliceStart = performance.now();
  // Checked after each regex pass and each line: a clock read per prefiltered pair would cost
  // more than the substring search it follows.
  const pause = async (): Promise<boolean> => {
    const held = performance.now() - sliceStart;
    if (held < budget.sliceMs) return false;
    spent += held;
    if (spent >= budget.batchMs) return true;
    await yieldToLoop();
    sliceStart = performance.now();
    return false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const text = line.text;
    const folded = folds ? foldForPrefilter(text) : text;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (rule.stream !== null && rule.stream !== line.stream) continue;
      const filter = rule.prefilter;
      if (filter !== null && !satisfies(filter.need, filter.folded ? folded : text)) continue;
      // Without a prefilter most lines reach the regex and few match: test() is about twice
      // as fast as exec(), so captures are taken only from lines that match. Behind a
      // prefilter, lines that reach the regex usually match: exec() alone is cheaper then.
      const match = filter === null && !rule.regex.test(text) ? null : rule.regex.exec(text);
      if (match) hits.push({ rule, line, captures: match.captures });
      const more = r < rules.length - 1 || i < lines.length - 1;
      if (more && (await pause()))
        return { hits, unscanned: lines.length - i - (r === rules.length - 1 ? 1 : 0) };
    }
    if (i < lines.length - 1 && (await pause())) return { hits, unscanned: lines.length - i - 1 };
  }
  return { hits, unscanned: 0 };
}
