import { registerAs } from '@nestjs/config';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { parseDurationList } from './duration.js';
import { IsDuration, IsDurationList } from './is-duration.js';
import { retentionMs } from './retention-setting.js';
import { ToBoolean, ToInt, validateEnv } from './validate-env.js';

export class JobsEnv {
  /** How often workers look for due jobs (and the scheduler for due schedules) unwoken. */
  @ToInt()
  @IsInt()
  @Min(20)
  @Max(60000)
  JOBS_POLL_MS: number = 30000;

  /** Default delays before retries 1, 2, ... of a job whose handler sets no `retry`. */
  @IsString()
  @IsDurationList()
  JOBS_RETRY_SCHEDULE: string = '10s,1m,5m,30m,2h,6h';

  /** Default run time limit of a handler that sets no `timeoutMs`. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  JOBS_TIMEOUT_MS: number = 60000;

  /** A lease lasts the handler's timeout plus this margin (for settling). */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(600000)
  JOBS_LEASE_MARGIN_MS: number = 30000;

  /** Finished jobs and attempt rows older than this are deleted (default 14d). */
  @IsOptional()
  @IsString()
  @IsDuration()
  JOBS_RETENTION?: string;

  /** The whole-day form JOBS_RETENTION replaced; still read when set. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  JOBS_RETENTION_DAYS?: number;

  /** Enables the diagnostic queue `jobs.selftest` (waits `payload.ms`, then succeeds). */
  @ToBoolean()
  @IsBoolean({ message: 'must be true or false' })
  JOBS_SELFTEST: boolean = false;
}

export interface JobsConfig {
  pollMs: number;
  retrySchedule: number[];
  timeoutMs: number;
  leaseMarginMs: number;
  retentionMs: number;
  selftest: boolean;
}

export const jobsConfig = registerAs('jobs', (): JobsConfig => {
  const env = validateEnv(JobsEnv, process.env);
  return {
    pollMs: env.JOBS_POLL_MS,
    retrySchedule: parseDurationList(env.JOBS_RETRY_SCHEDULE)!,
    timeoutMs: env.JOBS_TIMEOUT_MS,
    leaseMarginMs: env.JOBS_LEASE_MARGIN_MS,
    retentionMs: retentionMs('JOBS_RETENTION', env.JOBS_RETENTION, env.JOBS_RETENTION_DAYS, '14d'),
    selftest: env.JOBS_SELFTEST,
  };
});
