import { JobsService } from '../../src/jobs/jobs.service.js';
import { TestApp, waitFor } from '../support/test-app.js';
import {
  jobRow,
  OrderedJob,
  runs,
  ScriptJob,
  serialRunsOf,
  sql,
  startJobsApp,
  StubbornJob,
} from './helpers.js';

/** Two app instances on one database, as two replicas behind a load balancer. */
describe('Jobs across instances', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startJobsApp();
    b = await startJobsApp({ databaseUrl: a.databaseUrl });
    b.app.get(ScriptJob).instance = 'b';
    b.app.get(OrderedJob).instance = 'b';
    b.app.get(StubbornJob).instance = 'b';
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs each job exactly once with two instances claiming', async () => {
    const jobs = a.app.get(JobsService);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(await jobs.enqueue('test.script', { do: 'done', sleepMs: 20 }));
    await waitFor(
      async () =>
        (
          await sql(a, `SELECT 1 FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [
            ids,
          ])
        ).length === ids.length,
      20000,
      'all jobs to succeed',
    );
    const mine = runs.filter((r) => ids.includes(r.jobId));
    expect(mine).toHaveLength(ids.length);
    expect(new Set(mine.map((r) => r.jobId)).size).toBe(ids.length);
    expect(new Set(mine.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
  });

  it('runs each key in enqueue order, never overlapping, with 4 workers on each instance', async () => {
    const jobs = a.app.get(JobsService);
    const keys = ['card-1', 'card-2', 'card-3', 'card-4'];
    const ids: string[] = [];
    // Enqueued in one transaction per job, alternating keys, so keys interleave in the table;
    // held back until all 40 are in, then released at once, so that the workers have several
    // keys to choose from however slowly the loop runs on a loaded machine.
    const later = new Date(Date.now() + 3_600_000);
    for (let n = 0; n < 40; n++) {
      const app = n % 2 ? b : a;
      ids.push(
        await app.app
          .get(JobsService)
          .enqueue('test.ordered', { n }, { key: keys[n % 4], runAt: later }),
      );
    }
    void jobs;
    await sql(a, `UPDATE jobs SET run_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    await waitFor(
      async () =>
        (
          await sql(a, `SELECT 1 FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [
            ids,
          ])
        ).length === 40,
      30000,
      'all ordered jobs to succeed',
    );
    const mine = runs.filter((r) => ids.includes(r.jobId));
    expect(mine).toHaveLength(40);
    for (const key of keys) {
      const ofKey = mine.filter((r) => r.key === key).sort((x, y) => x.startedAt - y.startedAt);
      expect(ofKey.map((r) => r.n)).toEqual([...ofKey.map((r) => r.n!)].sort((x, y) => x - y));
      for (let i = 1; i < ofKey.length; i++)
        expect(ofKey[i].startedAt).toBeGreaterThanOrEqual(ofKey[i - 1].endedAt!);
    }
    // Different keys did run side by side.
    const overlapping = mine.some((r) =>
      mine.some((o) => o !== r && o.startedAt < r.endedAt! && r.startedAt < o.endedAt!),
    );
    expect(overlapping).toBe(true);
  });

  it('never runs a key on two instances at once: a handler ignoring its signal past its lease keeps the key', async () => {
    // 5x its 1 s timeout, past its 4 s lease (timeout + JOBS_LEASE_MARGIN_MS): the instance
    // running it must keep the lease while it runs, or the other one reclaims the job.
    const key = `stubborn-${Date.now()}`;
    const first = await a.app
      .get(JobsService)
      .enqueue('test.stubborn', { n: 1, ignoreMs: 5000 }, { key });
    const second = await b.app.get(JobsService).enqueue('test.stubborn', { n: 2 }, { key });
    await waitFor(
      async () =>
        (await jobRow(a, first))?.status === 'succeeded' &&
        (await jobRow(a, second))?.status === 'succeeded',
      30000,
      'both jobs of the key to succeed',
    );
    const ofKey = serialRunsOf(key);
    expect(ofKey.map((r) => [r.n, r.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    const outcomes = await sql<{ outcome: string }>(
      a,
      `SELECT outcome FROM job_attempts WHERE job_id = $1 ORDER BY id`,
      [first],
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['retried', 'succeeded']);
  });

  it('fires a schedule at most once per period across both instances', async () => {
    const jobs = a.app.get(JobsService);
    const periodMs = 400;
    const firstRunAt = new Date();
    await jobs.schedule('test.script', 'tick', periodMs, { do: 'done' }, { firstRunAt });
    // The second instance's upsert with the same period does not move the next run.
    await b.app.get(JobsService).schedule('test.script', 'tick', '400ms', { do: 'done' });
    const fires = () =>
      sql<{ at: Date }>(
        a,
        `SELECT created_at AS at FROM jobs WHERE queue = 'test.script' AND key = 'tick' ORDER BY created_at`,
      );
    await waitFor(async () => (await fires()).length >= 5, 20_000, 'five fires of the schedule');
    await jobs.unschedule('test.script', 'tick');
    const fired = await fires();
    // A fire is stamped with the now() of the transaction that claimed it, at or after its
    // period's start (firstRunAt + k * period). A late tick delays a fire but never adds one:
    // two fires, by either instance, never fall in the same period.
    const periods = fired.map((f) =>
      Math.floor((f.at.getTime() - firstRunAt.getTime()) / periodMs),
    );
    expect(periods[0]).toBeGreaterThanOrEqual(0);
    expect(new Set(periods).size).toBe(periods.length);
  });
});
