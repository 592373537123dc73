import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { ConsumerStateRepository } from './consumer-state.repository.js';

/**
 * How long consumer batches keep their transaction open, and how old the oldest open
 * transaction in the database is: that one sets every reader's watermark (bus consumers,
 * sync pulls and streams), so its age is the delay it adds to all of them.
 */
@Injectable()
export class ConsumerMetrics {
  readonly batchSeconds: Histogram<'consumer'>;

  constructor(
    metrics: MetricsService,
    @InjectDataSource() dataSource: DataSource,
    state: ConsumerStateRepository,
  ) {
    this.batchSeconds = new Histogram({
      name: 'hub_event_consumer_batch_seconds',
      help: 'Time a consumer handler held its batch transaction open',
      labelNames: ['consumer'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'hub_oldest_open_transaction_seconds',
      help: 'Age of the oldest transaction with an xid in this database (it holds back every watermark)',
      registers: [metrics.registry],
      async collect() {
        try {
          const [row]: { age: number | null }[] = await dataSource.query(
            `SELECT EXTRACT(EPOCH FROM now() - min(xact_start))::float8 AS age FROM pg_stat_activity
             WHERE datname = current_database() AND backend_xid IS NOT NULL`,
          );
          this.set(row?.age ?? 0);
        } catch {
          // Database away: the scrape still answers; readiness and the 503s tell that story.
        }
      },
    });
    new Gauge({
      name: 'hub_event_log_held_by_consumer_seconds',
      help: 'Age of the oldest event a consumer has not passed: storage maintenance keeps the bus log from there (0: caught up)',
      labelNames: ['consumer'] as const,
      registers: [metrics.registry],
      async collect() {
        try {
          const rows = await state.heldSeconds(dataSource.manager);
          this.reset();
          for (const r of rows) this.set({ consumer: r.name }, Math.max(0, r.seconds));
        } catch {
          // Database away: as above.
        }
      },
    });
  }
}
