import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobHandler, Job, JobRunner } from '../../src/jobs/job-handler.decorator.js';
import { done, fail, JobOutcome, reschedule, retry } from '../../src/jobs/job-outcome.js';
import { startTestApp, TestApp } from '../support/test-app.js';

/** Short loops so suites stay fast; a lease margin that a loaded CI machine still meets. */
export const JOBS_TEST_ENV = {
  JOBS_POLL_MS: '100',
  JOBS_LEASE_MARGIN_MS: '3000',
  JOBS_RETRY_SCHEDULE: '100ms,100ms',
};

export interface RunRecord {
  jobId: string;
  key: string | null;
  n?: number;
  attempt: number;
  instance: string;
  startedAt: number;
  endedAt?: number;
}

/** Every run of the scripted queue, across every app in this test process. */
export const runs: RunRecord[] = [];

export type Script =
  | { do: 'done'; sleepMs?: number; n?: number }
  | { do: 'throw'; message: string }
  | { do: 'retry-after'; ms: number; times: number }
  | { do: 'retry' }
  | { do: 'fail' }
  | { do: 'reschedule-once'; inMs: number }
  | { do: 'hang' }
  | { do: 'gate'; gate: string };

/** Test-only gates a running job waits on. */
export const gates = new Map<string, () => void>();
export const gateOpened = new Map<string, Promise<void>>();

/** `test.script`: what a run does is in its payload. */
@Injectable()
@JobHandler({ queue: 'test.script', retry: [100, 100], timeoutMs: 800, maxInFlight: 4 })
export class ScriptJob implements JobRunner<Script> {
  instance = 'a';

  async run(job: Job<Script>): Promise<JobOutcome> {
    const rec: RunRecord = {
      jobId: job.id,
      key: job.key,
      attempt: job.attempt,
      instance: this.instance,
      startedAt: Date.now(),
    };
    runs.push(rec);
    try {
      const s = job.payload;
      switch (s.do) {
        case 'done':
          if (s.sleepMs) await new Promise((r) => setTimeout(r, s.sleepMs));
          return done(`ok ${job.attempt}`);
        case 'throw':
          throw new Error(s.message);
        case 'retry-after':
          return job.attempt <= s.times ? retry('busy, Bearer s3cr3t-token', s.ms) : done();
        case 'retry':
          return retry(`attempt ${job.attempt} failed`);
        case 'fail':
          return fail('HTTP 400 from peer');
        case 'reschedule-once':
          return job.attempt === 1
            ? reschedule(new Date(Date.now() + s.inMs), 'not yet')
            : done('second');
        case 'hang':
          await new Promise<void>((resolve) =>
            job.signal.addEventListener('abort', () => resolve()),
          );
          return done('should not be applied');
        case 'gate':
          await new Promise<void>((resolve) => gates.set(s.gate, resolve));
          return done('gate opened');
      }
    } finally {
      rec.endedAt = Date.now();
    }
  }
}

/** `test.ordered`: perKey, 4 at once; records overlap and order per key. */
@Injectable()
@JobHandler({ queue: 'test.ordered', perKey: 1, maxInFlight: 4, timeoutMs: 5000 })
export class OrderedJob implements JobRunner<{ n: number }> {
  instance = 'a';

  async run(job: Job<{ n: number }>): Promise<JobOutcome> {
    const rec: RunRecord = {
      jobId: job.id,
      key: job.key,
      n: job.payload.n,
      attempt: job.attempt,
      instance: this.instance,
      startedAt: Date.now(),
    };
    runs.push(rec);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    rec.endedAt = Date.now();
    return done();
  }
}

/**
 * `test.stubborn`: perKey, a 1 s timeout. A first attempt with `ignoreMs` keeps running that
 * long whatever its signal says (a handler that ignores job.signal); later attempts return
 * at once.
 */
@Injectable()
@JobHandler({
  queue: 'test.stubborn',
  perKey: 1,
  maxInFlight: 4,
  timeoutMs: 1000,
  retry: [100, 100],
})
export class StubbornJob implements JobRunner<{ n: number; ignoreMs?: number }> {
  instance = 'a';

  async run(job: Job<{ n: number; ignoreMs?: number }>): Promise<JobOutcome> {
    const rec: RunRecord = {
      jobId: job.id,
      key: job.key,
      n: job.payload.n,
      attempt: job.attempt,
      instance: this.instance,
      startedAt: Date.now(),
    };
    runs.push(rec);
    if (job.attempt === 1 && job.payload.ignoreMs)
      await new Promise((r) => setTimeout(r, job.payload.ignoreMs));
    rec.endedAt = Date.now();
    return done();
  }
}

/** Runs of one key in start order; throws unless each started after the one before ended. */
export function serialRunsOf(key: string): RunRecord[] {
  const ofKey = runs.filter((r) => r.key === key).sort((x, y) => x.startedAt - y.startedAt);
  for (let i = 1; i < ofKey.length; i++)
    if (ofKey[i].startedAt < (ofKey[i - 1].endedAt ?? Infinity))
      throw new Error(
        `key ${key}: run ${JSON.stringify(ofKey[i])} started while ${JSON.stringify(ofKey[i - 1])} was running`,
      );
  return ofKey;
}

export function startJobsApp(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    env: { ...JOBS_TEST_ENV, ...options.env },
    providers: options.providers ?? [ScriptJob, OrderedJob, StubbornJob],
  });
}

export function sql<T = Record<string, unknown>>(
  t: TestApp,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  return t.app.get(DataSource).query(query, params);
}

export async function jobRow(t: TestApp, id: string) {
  const [row] = await sql<{
    status: string;
    attempt: number;
    last_error: string | null;
    lease_owner: string | null;
    run_at: Date;
  }>(t, `SELECT status, attempt, last_error, lease_owner, run_at FROM jobs WHERE id = $1`, [id]);
  return row;
}
