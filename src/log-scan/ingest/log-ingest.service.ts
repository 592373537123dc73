import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { logScanConfig } from '../../config/log-scan.config.js';
import { EventBus, type HubEventMap, type NewEvent } from '../../events/index.js';
import { LogScanMetrics } from '../log-scan-metrics.js';
import { RuleCatalog } from '../scan/rule-catalog.js';
import { RuleHit, scanLines } from '../scan/scanner.js';
import type { IngestResultDto } from './dto/ingest-result.dto.js';
import type { LogBatch } from './log-batch.js';
import { LogScanStateRepository, RuleCounts } from './log-scan-state.repository.js';
import { admitHits, HitVerdict } from './storm-guard.js';

/** Events per INSERT: 7 parameters each stays well under PostgreSQL's 65,535. */
const EVENTS_PER_INSERT = 2000;
/** Longest the scan holds the event loop before it yields (see `scanLines`). */
const SCAN_SLICE_MS = 20;

/**
 * Scans a batch of lines against the source's effective rules and, in one transaction,
 * admits the hits (cooldowns, token bucket), appends their events to the bus and counts
 * everything. The answer (and the metrics) come after the commit: an accepted line's events
 * are durable, and a rolled-back request counts nothing.
 */
@Injectable()
export class LogIngestService {
  private readonly logger = new Logger(LogIngestService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(logScanConfig.KEY) private readonly config: ConfigType<typeof logScanConfig>,
    private readonly catalog: RuleCatalog,
    private readonly state: LogScanStateRepository,
    private readonly bus: EventBus,
    private readonly metrics: LogScanMetrics,
  ) {}

  async ingest(batch: LogBatch): Promise<IngestResultDto> {
    const rules = (await this.catalog.load(this.dataSource.manager)).forSource(batch.source);
    const { hits, unscanned } = await scanLines(batch.lines, rules, {
      sliceMs: SCAN_SLICE_MS,
      batchMs: this.config.scanBudgetMs,
    });
    if (unscanned > 0)
      this.logger.warn(
        `POST /logs from source ${JSON.stringify(batch.source)}: scanning time (${this.config.scanBudgetMs} ms) used up, ${unscanned} of ${batch.lines.length} lines not scanned`,
      );
    const truncated = batch.lines.filter((l) => l.truncated).length;
    const verdicts = await this.dataSource.transaction(async (manager) => {
      const decided = hits.length ? await this.admit(manager, batch.source, hits) : [];
      await this.state.countLines(manager, batch.source, batch.lines.length, truncated);
      await this.state.countHits(manager, batch.source, countByRule(hits, decided));
      return decided;
    });
    const count = (v: HitVerdict) => verdicts.filter((x) => x === v).length;
    const result = {
      source: batch.source,
      accepted: batch.lines.length,
      unscanned,
      truncated: batch.lines.flatMap((l, i) => (l.truncated ? [i] : [])),
      hits: hits.length,
      published: count('published'),
      dropped: { cooldown: count('cooldown'), rateLimit: count('rate_limit') },
    };
    this.metrics.record({
      lines: result.accepted,
      unscanned,
      truncated,
      matchedLines: new Set(hits.map((h) => h.line)).size,
      hits: result.hits,
      published: result.published,
      droppedCooldown: result.dropped.cooldown,
      droppedRateLimit: result.dropped.rateLimit,
    });
    return result;
  }

  private async admit(manager: EntityManager, source: string, hits: RuleHit[]) {
    const ruleIds = [...new Set(hits.map((h) => h.rule.id))];
    const locked = await this.state.lockGuard(manager, source, this.config.sourceBurst, ruleIds);
    const decision = admitHits(
      hits.map((h) => ({ ruleId: h.rule.id, cooldownMs: h.rule.cooldownMs })),
      locked,
      { ratePerSecond: this.config.sourceRatePerSecond, burst: this.config.sourceBurst },
      locked.now,
    );
    const events = hits.filter((_, i) => decision.verdicts[i] === 'published').map(toEvent(source));
    for (let i = 0; i < events.length; i += EVENTS_PER_INSERT)
      await this.bus.publish(events.slice(i, i + EVENTS_PER_INSERT), manager);
    await this.state.saveGuard(
      manager,
      source,
      decision.tokens,
      locked.now,
      decision.cooldownUntil,
    );
    return decision.verdicts;
  }
}

function toEvent(source: string) {
  return ({ rule, line, captures }: RuleHit): NewEvent => ({
    type: rule.eventType,
    source,
    subject: rule.name,
    severity: rule.severity,
    occurredAt: line.time ?? undefined,
    data: {
      message: line.text,
      rule: rule.name,
      ruleId: rule.id,
      captures,
      stream: line.stream,
      ...(line.truncated ? { truncated: true as const } : {}),
    } satisfies HubEventMap['log.match'],
  });
}

function countByRule(hits: RuleHit[], verdicts: HitVerdict[]): RuleCounts[] {
  const byRule = new Map<string, RuleCounts>();
  hits.forEach((hit, i) => {
    let c = byRule.get(hit.rule.id);
    if (!c) {
      c = {
        ruleId: hit.rule.id,
        ruleName: hit.rule.name,
        hits: 0,
        published: 0,
        droppedCooldown: 0,
        droppedRateLimit: 0,
      };
      byRule.set(hit.rule.id, c);
    }
    c.hits++;
    if (verdicts[i] === 'published') c.published++;
    else if (verdicts[i] === 'cooldown') c.droppedCooldown++;
    else c.droppedRateLimit++;
  });
  return [...byRule.values()];
}
