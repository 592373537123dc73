import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobMetrics } from './job-metrics.js';
import { JobScheduler } from './job-scheduler.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobRepository } from './job.repository.js';
import { JobsAdminService } from './jobs-admin.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { ScheduleRepository } from './schedule.repository.js';
import { SelftestJob } from './selftest.job.js';

/**
 * Durable jobs and the one worker engine. Public surface (import from `jobs/index.ts`):
 * JobsService (enqueue, schedule, unschedule); JobWorkersService.register to run a queue
 * with its own table (webhook deliveries) on the same engine; handlers are declared with
 * @JobHandler and answer with the outcome helpers.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [JobsController],
  providers: [
    JobRepository,
    ScheduleRepository,
    JobHandlersRegistry,
    JobsService,
    JobsAdminService,
    JobMetrics,
    JobWorkersService,
    JobScheduler,
    SelftestJob,
  ],
  exports: [JobsService, JobWorkersService],
})
export class JobsModule {}
