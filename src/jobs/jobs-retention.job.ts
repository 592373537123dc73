import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { jobsConfig } from '../config/jobs.config.js';
import { JobHandler, JobRunner } from './job-handler.decorator.js';
import { done, JobOutcome } from './job-outcome.js';
import { inBatches } from './in-batches.js';
import { JobRepository } from './job.repository.js';

const BATCH = 1000;

/** Hourly: deletes finished jobs (with their attempts) and attempt rows older than JOBS_RETENTION_DAYS. */
@Injectable()
@JobHandler({ queue: 'jobs.retention', every: '1h', perKey: 1, maxInFlight: 1 })
export class JobsRetentionJob implements JobRunner {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: JobRepository,
    @Inject(jobsConfig.KEY) private readonly config: ConfigType<typeof jobsConfig>,
  ) {}

  async run(): Promise<JobOutcome> {
    return done(`pruned ${await this.prune()} rows`);
  }

  /** Small batches keep each lock short. */
  prune(): Promise<number> {
    return inBatches(BATCH, () =>
      this.repo.pruneBatch(this.dataSource.manager, this.config.retentionDays, BATCH),
    );
  }
}
