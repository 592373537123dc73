import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { JobHandler, JobRunner, inBatches, done, JobOutcome } from '../../jobs/index.js';
import { DeliveryRepository } from './delivery.repository.js';

const BATCH = 1000;

/**
 * Hourly (a job schedule, once across all instances): deletes delivered deliveries and
 * attempt rows older than WEBHOOK_RETENTION_DAYS, in small batches (short locks).
 */
@Injectable()
@JobHandler({ queue: 'webhooks.retention', every: '1h', perKey: 1, maxInFlight: 1 })
export class RetentionJob implements JobRunner {
  private readonly logger = new Logger(RetentionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryRepository,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async run(): Promise<JobOutcome> {
    return done(`pruned ${await this.prune()} webhook rows`);
  }

  async prune(): Promise<number> {
    const removed = await inBatches(BATCH, () =>
      this.repo.pruneBatch(this.dataSource.manager, this.config.retentionDays, BATCH),
    );
    if (removed) this.logger.log(`pruned ${removed} old webhook rows`);
    return removed;
  }
}
