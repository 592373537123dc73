import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { JobScheduler } from './job-scheduler.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobRepository } from './job.repository.js';
import { JobsAdminService } from './jobs-admin.service.js';
import { JobsRetentionJob } from './jobs-retention.job.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { SelftestJob } from './selftest.job.js';

/**
 * Durable jobs. Public surface: JobsService (enqueue, schedule, unschedule); handlers are
 * declared with @JobHandler and answer with the helpers of job-outcome.ts (plain imports).
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [JobsController],
  providers: [
    JobRepository,
    JobHandlersRegistry,
    JobsService,
    JobsAdminService,
    JobMetrics,
    JobWorkersService,
    JobScheduler,
    JobsRetentionJob,
    SelftestJob,
  ],
  exports: [JobsService],
})
export class JobsModule {}
