import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobHandler, JobRunner, done, JobOutcome } from '../jobs/index.js';
import { IdempotencyService } from './idempotency.service.js';

/** Hourly (a job schedule, once across all instances): forget Idempotency-Keys older than the window. */
@Injectable()
@JobHandler({ queue: 'events.idempotency-prune', every: '1h', perKey: 1, maxInFlight: 1 })
export class IdempotencyPruneJob implements JobRunner {
  private readonly logger = new Logger(IdempotencyPruneJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
  ) {}

  async run(): Promise<JobOutcome> {
    return done(`pruned ${await this.prune()} idempotency keys`);
  }

  async prune(): Promise<number> {
    const removed = await this.idempotency.prune(this.dataSource.manager);
    if (removed) this.logger.log(`pruned ${removed} expired idempotency keys`);
    return removed;
  }
}
