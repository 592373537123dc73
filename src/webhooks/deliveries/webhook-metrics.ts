import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { DeliveryQueueRepository } from './delivery-queue.repository.js';

@Injectable()
export class WebhookMetrics {
  readonly attempts: Counter<'outcome'>;
  readonly duration: Histogram<'outcome'>;

  constructor(
    metrics: MetricsService,
    queue: DeliveryQueueRepository,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    });
    // Gauges read the queue when scraped: one cheap query, shared by both gauges.
    let pending: Promise<{ depth: number; oldestAgeSeconds: number }> | undefined;
    const read = () =>
      (pending ??= queue
        .queueGauges(dataSource.manager)
        .finally(() => setTimeout(() => (pending = undefined), 0)));
    new Gauge({
      name: 'webhook_queue_depth',
      help: 'Pending webhook deliveries (due now or scheduled for retry)',
      registers,
      async collect() {
        this.set((await read()).depth);
      },
    });
    new Gauge({
      name: 'webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest pending webhook delivery',
      registers,
      async collect() {
        this.set((await read()).oldestAgeSeconds);
      },
    });
  }

  /** One settled attempt: counted by outcome, its duration by success or failure. */
  countAttempt(outcome: 'succeeded' | 'retrying' | 'failed', durationMs: number): void {
    this.attempts.inc({ outcome });
    this.duration.observe(
      { outcome: outcome === 'succeeded' ? 'succeeded' : 'failed' },
      durationMs / 1000,
    );
  }
}
