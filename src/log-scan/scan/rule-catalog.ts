import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import type { Severity } from '../../events/index.js';
import {
  compileLinearRegex,
  InvalidPatternError,
  LinearRegex,
} from '../../common/regex/linear-regex.js';
import type { LogStream } from '../rules/log-rule.entity.js';
import { LogRuleRepository, StoredRule } from '../rules/log-rule.repository.js';
import { effectiveRules } from './effective-rules.js';
import { LinePrefilter, linePrefilter } from './required-literal.js';

/** A rule ready to scan: its regex compiled and its literal prefilter found. */
export interface CompiledRule {
  id: string;
  name: string;
  severity: Severity;
  eventType: string;
  cooldownMs: number;
  stream: LogStream | null;
  regex: LinearRegex;
  /** What every matching line contains; null when nothing could be proven. */
  prefilter: LinePrefilter | null;
}

export interface FailingRule {
  ruleId: string;
  name: string;
  pattern: string;
  reason: string;
}

/** Every rule at one version, compiled, with the effective set per source memoised. */
export class RuleSet {
  // Bounded: sources are client input. Least recently used goes first, so the sources that
  // send keep their memo when a flood of new names passes through.
  private readonly bySource = new LRUCache<string, CompiledRule[]>({ max: 10_000 });
  private readonly compiled = new Map<string, CompiledRule>();
  readonly failing: FailingRule[] = [];

  constructor(
    readonly version: string,
    readonly rules: StoredRule[],
  ) {
    for (const rule of rules) {
      try {
        this.compiled.set(rule.id, {
          id: rule.id,
          name: rule.name,
          severity: rule.severity,
          eventType: rule.eventType,
          cooldownMs: rule.cooldownMs,
          stream: rule.stream,
          regex: compileLinearRegex(rule.pattern),
          prefilter: linePrefilter(rule.pattern),
        });
      } catch (error) {
        // Saved patterns were checked, but an engine upgrade (or a row written by hand) can
        // still refuse one: that rule is skipped and reported by GET /logs/stats.
        if (!(error instanceof InvalidPatternError)) throw error;
        this.failing.push({
          ruleId: rule.id,
          name: rule.name,
          pattern: rule.pattern,
          reason: error.reason,
        });
      }
    }
  }

  forSource(source: string): CompiledRule[] {
    let rules = this.bySource.get(source);
    if (!rules) {
      rules = effectiveRules(this.rules, source)
        .map((r) => this.compiled.get(r.id))
        .filter((r): r is CompiledRule => r !== undefined);
      this.bySource.set(source, rules);
    }
    return rules;
  }
}

/**
 * The rule set each instance scans with, reloaded when the version row (bumped in every rule
 * change's transaction) moves: an edit on any instance applies from the next request on.
 */
@Injectable()
export class RuleCatalog {
  private current?: RuleSet;

  constructor(private readonly rules: LogRuleRepository) {}

  async load(manager: EntityManager): Promise<RuleSet> {
    // Version first, then rules: the rules read are at least as new as the version cached.
    const version = await this.rules.version(manager);
    if (this.current?.version !== version)
      this.current = new RuleSet(version, await this.rules.all(manager));
    return this.current;
  }
}
