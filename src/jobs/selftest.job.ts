import { Injectable } from '@nestjs/common';
import type { Job, JobHandlerOptions, JobRunner } from './job-handler.decorator.js';
import { done, JobOutcome, retry } from './job-outcome.js';

export const SELFTEST_OPTIONS: JobHandlerOptions = { queue: 'jobs.selftest', maxInFlight: 4 };

/**
 * Diagnostic queue `jobs.selftest`, registered only with JOBS_SELFTEST=true: waits
 * `payload.ms` (at most 60 s, honouring the abort signal) and succeeds. It lets an operator
 * or a crash test watch a job go through claim, lease and settle without touching real data.
 */
@Injectable()
export class SelftestJob implements JobRunner<{ ms?: number }> {
  async run(job: Job<{ ms?: number }>): Promise<JobOutcome> {
    const ms = Math.min(Math.max(Number(job.payload.ms) || 0, 0), 60_000);
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      job.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    return finished ? done(`waited ${ms} ms`) : retry('aborted');
  }
}
