import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobAdminRepository } from './job-admin.repository.js';
import { JobEnqueueRepository } from './job-enqueue.repository.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobLeaseRepository } from './job-lease.repository.js';
import { JobMetrics } from './job-metrics.js';
import { JobScheduler } from './job-scheduler.js';
import { JobSettleRepository } from './job-settle.repository.js';
import { JobWorkersService } from './job-workers.service.js';
import { JobsAdminService } from './jobs-admin.service.js';
import { JobsController } from './jobs.controller.js';
import { JobsService } from './jobs.service.js';
import { JobScheduleEntity } from './schedule.entity.js';
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
  imports: [DiscoveryModule, TypeOrmModule.forFeature([JobScheduleEntity])],
  controllers: [JobsController],
  providers: [
    JobEnqueueRepository,
    JobLeaseRepository,
    JobSettleRepository,
    JobAdminRepository,
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
