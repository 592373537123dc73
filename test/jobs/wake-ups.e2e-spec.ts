import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobLeaseRepository } from '../../src/jobs/job-lease.repository.js';
import { Job, JobHandler, JobRunner } from '../../src/jobs/job-handler.decorator.js';
import { done, JobOutcome, retry } from '../../src/jobs/job-outcome.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { Receiver, ReceiverPool } from '../support/receiver.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, publish } from '../webhooks/helpers.js';
import { runs, ScriptJob } from './helpers.js';

/**
 * With every poll timer at its longest (a minute), work that comes due later still runs on
 * time: the workers sleep until their queue's next due item (a delayed job, a retry's backoff,
 * a webhook retry) and the scheduler until the next schedule run, brought forward by NOTIFY
 * when a schedule is written. A poll would take up to 60 s; each wait below allows 15.
 */
const ON_TIME_MS = 15_000;

/** Per key, in order: a job waiting for its retry holds back the later jobs of its key. */
const keyedRuns: { n: number; attempt: number; at: number }[] = [];
@Injectable()
@JobHandler({ queue: 'test.wake.keyed', perKey: 1, retry: [1200], timeoutMs: 5000 })
class KeyedJob implements JobRunner<{ n: number; failFirst?: boolean }> {
  async run(job: Job<{ n: number; failFirst?: boolean }>): Promise<JobOutcome> {
    keyedRuns.push({ n: job.payload.n, attempt: job.attempt, at: Date.now() });
    return job.payload.failFirst && job.attempt === 1 ? retry('first attempt fails') : done();
  }
}

describe('Wake-ups without polling', () => {
  let t: TestApp;
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    t = await startTestApp({
      providers: [ScriptJob, KeyedJob],
      env: {
        JOBS_POLL_MS: '60000',
        WEBHOOK_POLL_MS: '60000',
        EVENT_CONSUMER_POLL_MS: '600000',
        JOBS_LEASE_MARGIN_MS: '3000',
        OUTBOUND_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_SCHEDULE: '1s,1s',
      },
    });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t?.close();
  });

  const runsOf = (jobId: string) => runs.filter((r) => r.jobId === jobId);

  it('runs a delayed job at its time, not at the next poll', async () => {
    const runAt = new Date(Date.now() + 1500);
    const id = await t.app.get(JobsService).enqueue('test.script', { do: 'done' }, { runAt });
    await waitFor(() => runsOf(id).length === 1, ON_TIME_MS, 'the delayed job to run');
    expect(runsOf(id)[0].startedAt).toBeGreaterThanOrEqual(runAt.getTime() - 50);
  });

  it("runs a job's retry when its backoff ends", async () => {
    const id = await t.app
      .get(JobsService)
      .enqueue('test.script', { do: 'retry-after', ms: 1200, times: 1 });
    await waitFor(() => runsOf(id).length === 2, ON_TIME_MS, 'the retry to run');
    const [first, second] = runsOf(id);
    expect(second.startedAt - first.startedAt).toBeGreaterThanOrEqual(1150);
  });

  it('meets a retry whose key holds back a later job that is due now', async () => {
    const jobs = t.app.get(JobsService);
    await jobs.enqueue('test.wake.keyed', { n: 1, failFirst: true }, { key: 'k' });
    // Due now but held behind job 1 (and its retry): it must not hide that retry's due time.
    await jobs.enqueue('test.wake.keyed', { n: 2 }, { key: 'k' });
    await waitFor(() => keyedRuns.some((r) => r.n === 2), ON_TIME_MS, 'the later job of the key');
    expect(keyedRuns.map((r) => [r.n, r.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it('runs a job that a later enqueue folded into while a claim skipped it', async () => {
    const jobs = t.app.get(JobsService);
    const dedupeKey = `fold-${Date.now()}`;
    const runAt = new Date(Date.now() + 1000);
    const id = await jobs.enqueue('test.script', { do: 'done' }, { dedupeKey, runAt });
    // What the scripted queue's worker asks after each empty claim (the calls still run).
    const leases = t.app.get(JobLeaseRepository);
    const asked: { at: number; cameDue: boolean }[] = [];
    const nextDue = leases.nextDue;
    leases.nextDue = async (m, queue, lookbackMs) => {
      const answer = await nextDue.call(leases, m, queue, lookbackMs);
      if (queue === 'test.script') asked.push({ at: Date.now(), cameDue: answer.cameDue });
      return answer;
    };
    const tx = t.app.get(DataSource).createQueryRunner();
    try {
      await tx.startTransaction();
      // Folded into the pending job, which stays locked until this transaction ends.
      expect(await jobs.enqueue('test.script', { do: 'done' }, { dedupeKey }, tx.manager)).toBe(id);
      // The job comes due while locked: the due timer's claim skips it (and, if it came due
      // during that claim, one more pass does). The worker then sleeps: its last question
      // found nothing that came due, or it was the second after an empty claim.
      await waitFor(
        () => {
          const since = asked.filter((a) => a.at >= runAt.getTime());
          return since.length >= 2 || since.some((a) => !a.cameDue);
        },
        ON_TIME_MS,
        'the worker to sleep after skipping the locked job',
      );
      expect(runsOf(id)).toHaveLength(0);
      await tx.commitTransaction();
    } finally {
      await tx.release();
      leases.nextDue = nextDue;
    }
    // A poll would take a minute: the commit's NOTIFY wakes the worker.
    await waitFor(() => runsOf(id).length === 1, ON_TIME_MS, 'the folded job to run');
  });

  it('fires a schedule written after start at its first run (NOTIFY to the scheduler)', async () => {
    const firstRunAt = new Date(Date.now() + 1500);
    const before = runs.length;
    await t.app
      .get(JobsService)
      .schedule('test.script', `wake-${Date.now()}`, '1h', { do: 'done', n: 7 }, { firstRunAt });
    await waitFor(
      () => runs.slice(before).some((r) => r.startedAt >= firstRunAt.getTime() - 50),
      ON_TIME_MS,
      'the scheduled job to run',
    );
  });

  it('retries a failed webhook delivery when its backoff ends', async () => {
    const receiver: Receiver = await receivers.start((_req, res, index) => {
      res.statusCode = index === 0 ? 503 : 200;
      res.end();
    });
    const endpoint = await createEndpoint(t, { url: receiver.url, eventTypes: ['wake.test'] });
    await publish(t, { type: 'wake.test', source: 'test', data: { n: 1 } });
    await waitFor(() => receiver.requests.length === 2, ON_TIME_MS, 'the retry to arrive');
    const [first, second] = receiver.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    await waitFor(
      async () => (await deliveriesOf(t, endpoint.id))[0]?.status === 'succeeded',
      ON_TIME_MS,
      'the delivery settled as succeeded',
    );
  });
});
