import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { RuleCatalog } from './scan/rule-catalog.js';

/** What one accepted `POST /logs` did, counted once its transaction has committed. */
export interface IngestTally {
  lines: number;
  unscanned: number;
  truncated: number;
  matchedLines: number;
  hits: number;
  published: number;
  droppedCooldown: number;
  droppedRateLimit: number;
}

/**
 * Prometheus metrics of the log scan. No per-source label: sources are strings the shipper
 * chooses (a container name per pod restart), and no per-rule label: rules are created
 * through the API with no cap on their number. `GET /logs/stats` answers per source and rule.
 * Counted after the ingest transaction commits, so a rolled-back request counts nothing.
 */
@Injectable()
export class LogScanMetrics {
  readonly lines: Counter;
  readonly unscanned: Counter;
  readonly overBudget: Counter;
  readonly truncated: Counter;
  readonly matchedLines: Counter;
  readonly hits: Counter;
  readonly events: Counter;
  readonly drops: Counter<'reason'>;

  constructor(
    metrics: MetricsService,
    catalog: RuleCatalog,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const registers = [metrics.registry];
    this.lines = new Counter({
      name: 'log_scan_lines_total',
      help: 'Log lines accepted by POST /logs (scanned unless counted in log_scan_lines_unscanned_total)',
      registers,
    });
    this.unscanned = new Counter({
      name: 'log_scan_lines_unscanned_total',
      help: 'Accepted log lines not scanned (or not against every rule) because their batch used its scanning time (LOGSCAN_SCAN_BUDGET_MS)',
      registers,
    });
    this.overBudget = new Counter({
      name: 'log_scan_batches_over_budget_total',
      help: 'POST /logs batches whose scan stopped at the scanning time budget (LOGSCAN_SCAN_BUDGET_MS)',
      registers,
    });
    this.truncated = new Counter({
      name: 'log_scan_lines_truncated_total',
      help: 'Accepted log lines cut to 16 KiB (at a UTF-8 boundary) before scanning',
      registers,
    });
    this.matchedLines = new Counter({
      name: 'log_scan_lines_matched_total',
      help: 'Log lines that matched at least one rule',
      registers,
    });
    this.hits = new Counter({
      name: 'log_scan_hits_total',
      help: 'Rule hits (a line matching two rules counts 2); each is published or dropped',
      registers,
    });
    this.events = new Counter({
      name: 'log_scan_events_total',
      help: 'Events published on the bus for rule hits',
      registers,
    });
    this.drops = new Counter({
      name: 'log_scan_drops_total',
      help: "Rule hits dropped by reason (cooldown: the rule's per-source cooldown; rate_limit: the source's token bucket)",
      labelNames: ['reason'],
      registers,
    });
    for (const reason of ['cooldown', 'rate_limit']) this.drops.inc({ reason }, 0);
    new Gauge({
      name: 'log_scan_failing_rules',
      help: 'Saved rules the regex engine refuses to compile (skipped by the scan; listed by GET /logs/stats)',
      registers,
      async collect() {
        try {
          this.set((await catalog.load(dataSource.manager)).failing.length);
        } catch {
          // Database away: the scrape still answers; readiness and the 503s tell that story.
        }
      },
    });
  }

  record(t: IngestTally): void {
    this.lines.inc(t.lines);
    this.unscanned.inc(t.unscanned);
    if (t.unscanned > 0) this.overBudget.inc();
    this.truncated.inc(t.truncated);
    this.matchedLines.inc(t.matchedLines);
    this.hits.inc(t.hits);
    this.events.inc(t.published);
    if (t.droppedCooldown > 0) this.drops.inc({ reason: 'cooldown' }, t.droppedCooldown);
    if (t.droppedRateLimit > 0) this.drops.inc({ reason: 'rate_limit' }, t.droppedRateLimit);
  }
}
