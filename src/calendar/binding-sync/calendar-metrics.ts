import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { OverBudgetError } from '../caldav/caldav-budget.js';
import type { SyncStats } from './sync-log.repository.js';

/** Prometheus metrics of calendar sync (no per-binding labels: bindings are unbounded). */
@Injectable()
export class CalendarMetrics {
  readonly runs: Counter<'outcome'>;
  readonly objects: Counter<'op'>;
  readonly runDuration: Histogram;
  readonly overBudget: Counter<'kind'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.runs = new Counter({
      name: 'calendar_sync_runs_total',
      help: 'Binding sync runs by outcome (ok, object_errors, stopped)',
      labelNames: ['outcome'],
      registers,
    });
    this.objects = new Counter({
      name: 'calendar_sync_objects_total',
      help: 'Calendar objects by what a run did (created, updated, deleted, remote_changes, errors)',
      labelNames: ['op'],
      registers,
    });
    this.overBudget = new Counter({
      name: 'calendar_input_over_budget_total',
      help: 'CalDAV answers and objects refused for exceeding a budget (answer_objects, object_bytes, object_components, deadline, memory)',
      labelNames: ['kind'],
      registers,
    });
    this.runDuration = new Histogram({
      name: 'calendar_sync_run_duration_seconds',
      help: 'Duration of one binding sync run',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
  }

  record(stats: SyncStats, stopped: boolean, durationMs: number): void {
    this.runs.inc({ outcome: stopped ? 'stopped' : stats.errors > 0 ? 'object_errors' : 'ok' });
    for (const [op, n] of [
      ['created', stats.created],
      ['updated', stats.updated],
      ['deleted', stats.deleted],
      ['remote_changes', stats.remoteChanges],
      ['errors', stats.errors],
    ] as const)
      if (n > 0) this.objects.inc({ op }, n);
    this.runDuration.observe(durationMs / 1000);
  }

  /** Counts `err` when it is a refusal for exceeding a budget; anything else is ignored. */
  countOverBudget(err: unknown): void {
    if (err instanceof OverBudgetError) this.overBudget.inc({ kind: err.kind });
  }
}
