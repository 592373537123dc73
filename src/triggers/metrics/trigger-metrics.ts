import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { FIRING_OUTCOMES, FiringOutcome } from '../dto/trigger.dto.js';

/** What one consumer batch did, counted only once its transaction has committed. */
export interface MatchTally {
  evaluated: number;
  matches: number;
  /** Events whose matching took over SLOW_MATCH_MS. */
  slowMatches: number;
  firings: Record<FiringOutcome, number>;
  deliveryFailures: number;
}

export const emptyTally = (): MatchTally => ({
  evaluated: 0,
  matches: 0,
  slowMatches: 0,
  firings: { fired: 0, suppressed: 0, silenced: 0, undeliverable: 0 },
  deliveryFailures: 0,
});

/**
 * Prometheus metrics of event triggers. No per-trigger label: triggers are created through
 * the API with no cap on their number (the bench runs 1,000), so a trigger-id label would
 * grow the series without bound; `GET /triggers/:id/stats` answers per trigger. Every label
 * value is created at zero, so a rate over a series that never moved is 0, not absent.
 */
@Injectable()
export class TriggerMetrics {
  readonly eventsEvaluated: Counter;
  readonly matches: Counter;
  readonly firings: Counter<'outcome'>;
  readonly deliveryFailures: Counter;
  readonly matchSeconds: Histogram;
  readonly slowMatches: Counter;
  readonly testSends: Counter<'kind' | 'result'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.eventsEvaluated = new Counter({
      name: 'trigger_events_evaluated_total',
      help: 'Bus events evaluated against the enabled triggers (committed batches only)',
      registers,
    });
    this.matches = new Counter({
      name: 'trigger_matches_total',
      help: 'Event and trigger pairs that matched (one event matching two triggers counts 2)',
      registers,
    });
    this.firings = new Counter({
      name: 'trigger_firings_total',
      help: 'Trigger matches by outcome (fired, suppressed by the repeat interval, silenced, undeliverable: target disabled)',
      labelNames: ['outcome'],
      registers,
    });
    this.deliveryFailures = new Counter({
      name: 'trigger_delivery_failures_total',
      help: 'Fired deliveries that used every retry without success (webhook.delivery.exhausted)',
      registers,
    });
    this.matchSeconds = new Histogram({
      name: 'trigger_match_seconds',
      help: 'CPU time to match one event against every enabled trigger (replayed batches included)',
      buckets: [
        0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1,
        0.5, 2.5,
      ],
      registers,
    });
    this.slowMatches = new Counter({
      name: 'trigger_slow_matches_total',
      help: 'Events whose matching against every enabled trigger took over 100 ms (costly regexes on long values; committed batches only)',
      registers,
    });
    this.testSends = new Counter({
      name: 'trigger_test_sends_total',
      help: 'Test sends by kind (saved: the stored action; draft: an action in the request) and result (ok: a 2xx answer, failed)',
      labelNames: ['kind', 'result'],
      registers,
    });
    for (const outcome of FIRING_OUTCOMES) this.firings.inc({ outcome }, 0);
    for (const kind of ['saved', 'draft'])
      for (const result of ['ok', 'failed']) this.testSends.inc({ kind, result }, 0);
  }

  recordBatch(t: MatchTally): void {
    this.eventsEvaluated.inc(t.evaluated);
    this.matches.inc(t.matches);
    this.slowMatches.inc(t.slowMatches);
    for (const outcome of FIRING_OUTCOMES)
      if (t.firings[outcome] > 0) this.firings.inc({ outcome }, t.firings[outcome]);
    this.deliveryFailures.inc(t.deliveryFailures);
  }
}
