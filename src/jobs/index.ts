/**
 * The jobs layer's public surface for other modules: enqueue and schedule (JobsService, by
 * period or cron rule; the cron checks and DTO validators), declare handlers (@JobHandler and
 * the outcome helpers), and run a queue with its own table on the shared worker engine
 * (JobWorkersService.register with a LeasedQueue). Import from here, not from the files
 * behind it.
 */
export { JobsModule } from './jobs.module.js';
export { JobsService, type Every } from './jobs.service.js';
export {
  cronProblem,
  DEFAULT_TIME_ZONE,
  IsCronExpression,
  IsIanaTimeZone,
  nextCronRun,
  timeZoneProblem,
  type CronSchedule,
} from './cron.js';
export { JobWorkersService, type QueueWakeUp } from './job-workers.service.js';
export { fromConfig, JobHandler, type Job, type JobRunner } from './job-handler.decorator.js';
export { done, fail, reschedule, retry, JobOutcome } from './job-outcome.js';
export type { LeasedQueue, NextDue, RunControl } from './engine/leased-queue.js';
