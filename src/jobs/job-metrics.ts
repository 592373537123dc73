import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { JobAdminRepository } from './job-admin.repository.js';

@Injectable()
export class JobMetrics {
  readonly attempts: Counter<'queue' | 'outcome'>;
  readonly duration: Histogram<'queue' | 'outcome'>;
  readonly abortIgnored: Counter<'queue'>;

  constructor(
    metrics: MetricsService,
    repo: JobAdminRepository,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const registers = [metrics.registry];
    this.attempts = new Counter({
      name: 'jobs_attempts_total',
      help: 'Job attempts by queue and outcome (succeeded, retried, failed, rescheduled, released, lease-expired)',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'jobs_attempt_duration_seconds',
      help: 'Duration of job attempts',
      labelNames: ['queue', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.abortIgnored = new Counter({
      name: 'jobs_abort_ignored_total',
      help: 'Runs still going after their signal fired (timeout or shutdown) plus a grace: the handler ignores job.signal; its job stays leased and its key blocked until it returns',
      labelNames: ['queue'],
      registers,
    });
    // Both gauges read one stats query per scrape.
    let pending: ReturnType<JobAdminRepository['stats']> | undefined;
    const read = () =>
      (pending ??= repo
        .stats(dataSource.manager)
        .finally(() => setTimeout(() => (pending = undefined), 0)));
    new Gauge({
      name: 'jobs_queue_depth',
      help: 'Pending jobs by queue (due now or later)',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of await read()) this.set({ queue: q.queue }, q.pending);
      },
    });
    new Gauge({
      name: 'jobs_oldest_due_age_seconds',
      help: 'How long the oldest due pending job of each queue has waited',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of await read()) this.set({ queue: q.queue }, q.oldestDueAgeSeconds);
      },
    });
  }
}
