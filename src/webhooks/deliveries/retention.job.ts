import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { DeliveryRepository } from './delivery.repository.js';

const LOCK_KEY = 7_240_101;
const BATCH = 1000;

/**
 * Hourly: deletes delivered deliveries and attempt rows older than WEBHOOK_RETENTION_DAYS,
 * in small batches (short locks), on one instance at a time (advisory lock).
 */
@Injectable()
export class RetentionJob {
  private readonly logger = new Logger(RetentionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryRepository,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  @Interval(60 * 60 * 1000)
  async prune(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    let removed = 0;
    try {
      await runner.connect();
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        LOCK_KEY,
      ]);
      if (!locked) return 0;
      try {
        for (;;) {
          const n = await this.repo.pruneBatch(runner.manager, this.config.retentionDays, BATCH);
          removed += n;
          if (n < BATCH) break;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
      if (removed) this.logger.log(`pruned ${removed} old webhook rows`);
    } catch (err) {
      this.logger.warn(`webhook retention failed: ${(err as Error).message}`);
    } finally {
      await runner.release();
    }
    return removed;
  }
}
