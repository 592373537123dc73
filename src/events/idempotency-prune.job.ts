import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IdempotencyService } from './idempotency.service.js';

/** Hourly: forget Idempotency-Keys older than the window. Safe on any number of instances. */
@Injectable()
export class IdempotencyPruneJob {
  private readonly logger = new Logger(IdempotencyPruneJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Interval(60 * 60 * 1000)
  async prune(): Promise<void> {
    try {
      const removed = await this.idempotency.prune(this.dataSource.manager);
      if (removed) this.logger.log(`pruned ${removed} expired idempotency keys`);
    } catch (err) {
      this.logger.warn(`idempotency prune failed: ${(err as Error).message}`);
    }
  }
}
