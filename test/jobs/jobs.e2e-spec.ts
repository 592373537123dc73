import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { MAX_JOB_DELAY_MS } from '../../src/jobs/job-delay.js';
import { JobHandler } from '../../src/jobs/job-handler.decorator.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { bearer, TestApp, waitFor, waitForIdle } from '../support/test-app.js';
import {
  gates,
  jobRow,
  OrderedJob,
  runs,
  Script,
  ScriptJob,
  serialRunsOf,
  sql,
  startJobsApp,
} from './helpers.js';

describe('Jobs: enqueue, outcomes, leases and the operator API', () => {
  let t: TestApp;
  let jobs: JobsService;
  const admin = () => bearer(t.adminToken);
  const enqueue = (payload: Script, options = {}) =>
    jobs.enqueue('test.script', payload as unknown as Record<string, unknown>, options);
  const runsOf = (id: string) => runs.filter((r) => r.jobId === id);
  const settled = (id: string, status: string) =>
    waitFor(async () => (await jobRow(t, id))?.status === status, 10000, `job ${status}`);

  beforeAll(async () => {
    t = await startJobsApp();
    jobs = t.app.get(JobsService);
  });
  afterAll(() => t.close());

  it('commits a job with the caller transaction, and a rolled-back one never exists', async () => {
    const ds = t.app.get(DataSource);
    let rolledBack = '';
    await expect(
      ds.transaction(async (m) => {
        rolledBack = await jobs.enqueue('test.script', { do: 'done' }, {}, m);
        throw new Error('domain write failed');
      }),
    ).rejects.toThrow('domain write failed');
    expect(rolledBack).toMatch(/^[0-9a-f-]{36}$/);
    expect(await jobRow(t, rolledBack)).toBeUndefined();

    const committed = await ds.transaction((m) =>
      jobs.enqueue('test.script', { do: 'done' }, {}, m),
    );
    await settled(committed, 'succeeded');
    expect(runsOf(committed)).toHaveLength(1);
    expect(runsOf(rolledBack)).toHaveLength(0);
  });

  it('collapses a burst with one dedupe key into one pending job', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        enqueue({ do: 'done' }, { dedupeKey: 'card-7:update', runAt: new Date(Date.now() + 500) }),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    await settled(ids[0], 'succeeded');
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM jobs WHERE dedupe_key = 'card-7:update'`,
    );
    expect(n).toBe(1);
    // Once the job ran, the same key is new work again.
    const again = await enqueue({ do: 'done' }, { dedupeKey: 'card-7:update' });
    expect(again).not.toBe(ids[0]);
  });

  it('does not run a job that an open transaction merged work into until that transaction commits', async () => {
    const dueAt = new Date(Date.now() + 300);
    const first = await enqueue({ do: 'done' }, { dedupeKey: 'card-9:update', runAt: dueAt });
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // A consumer's transaction: it writes the card's new state, then enqueues its sync,
      // which merges into the pending job.
      const merged = await jobs.enqueue(
        'test.script',
        { do: 'done' },
        { dedupeKey: 'card-9:update' },
        runner.manager,
      );
      expect(merged).toBe(first);
      // Well past due, with workers polling: had it been claimed now, it would have run with
      // state read before this transaction's writes, and the merged work would be lost.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, dueAt.getTime() - Date.now()) + 700),
      );
      expect((await jobRow(t, first))?.status).toBe('pending');
      expect(runsOf(first)).toHaveLength(0);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    await settled(first, 'succeeded');
    expect(runsOf(first)).toHaveLength(1);
  });

  it('honours Retry-After: the next run starts no earlier than it asked', async () => {
    const id = await enqueue({ do: 'retry-after', ms: 700, times: 1 });
    await settled(id, 'succeeded');
    const [first, second] = runsOf(id);
    expect(second.startedAt - first.endedAt!).toBeGreaterThanOrEqual(700);
    const { body } = await request(t.url).get(`/jobs/${id}`).set(admin()).expect(200);
    expect(body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'retried',
      'succeeded',
    ]);
    expect(body.attempts[0].error).toBe('busy, Bearer [redacted]');
  });

  it('clamps a retry delay beyond 30 days instead of failing the settle', async () => {
    const asked = Date.now();
    const id = await enqueue({ do: 'retry-after', ms: 1e14, times: 1 });
    await waitFor(
      async () => (await jobRow(t, id))?.status === 'pending' && runsOf(id).length === 1,
      10000,
      'the retry to settle',
    );
    const row = await jobRow(t, id);
    const delay = new Date(row.run_at).getTime() - asked;
    expect(delay).toBeGreaterThan(29 * 86_400_000);
    expect(delay).toBeLessThanOrEqual(MAX_JOB_DELAY_MS + 60_000);
  });

  it('fails after the retry schedule with the last error, and an operator retry runs it again', async () => {
    const id = await enqueue({ do: 'throw', message: 'peer unreachable' });
    await settled(id, 'failed');
    expect(runsOf(id)).toHaveLength(3); // first run + the two steps of [100, 100]
    const row = await jobRow(t, id);
    expect(row.last_error).toBe('peer unreachable');

    const res = await request(t.url).post(`/jobs/${id}/retry`).set(admin()).expect(200);
    expect(res.body.status).toMatch(/pending|running|failed/);
    await waitFor(() => runsOf(id).length >= 4, 5000, 'the operator retry to run');
    await settled(id, 'failed');
    expect(runsOf(id)).toHaveLength(6); // a fresh schedule after the operator retry
  });

  it('does not retry fail()', async () => {
    const id = await enqueue({ do: 'fail' });
    await settled(id, 'failed');
    // A retry would be a job due within the 100 ms schedule: the backlog would show it.
    await waitForIdle(t);
    expect(runsOf(id)).toHaveLength(1);
    expect((await jobRow(t, id)).last_error).toBe('HTTP 400 from peer');
  });

  it('runs a rescheduled job again at the time it named', async () => {
    const id = await enqueue({ do: 'reschedule-once', inMs: 600 });
    await settled(id, 'succeeded');
    const [first, second] = runsOf(id);
    expect(second.startedAt - first.endedAt!).toBeGreaterThanOrEqual(550);
    const { body } = await request(t.url).get(`/jobs/${id}`).set(admin()).expect(200);
    expect(body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'rescheduled',
      'succeeded',
    ]);
  });

  it('aborts a run at its timeout and counts it as a retry', async () => {
    const id = await enqueue({ do: 'hang' });
    await settled(id, 'failed');
    const { body } = await request(t.url).get(`/jobs/${id}`).set(admin()).expect(200);
    expect(body.attempts).toHaveLength(3);
    for (const a of body.attempts) {
      expect(a.error).toBe('timed out after 800 ms');
      expect(a.durationMs).toBeGreaterThanOrEqual(750);
    }
    expect(runsOf(id).every((r) => r.endedAt! - r.startedAt < 2000)).toBe(true);
  });

  it('never runs a key twice: a handler that ignores its signal for 3x its timeout keeps its job and key until it returns', async () => {
    const key = `stubborn-${Date.now()}`;
    const first = await jobs.enqueue('test.stubborn', { n: 1, ignoreMs: 3000 }, { key });
    const second = await jobs.enqueue('test.stubborn', { n: 2 }, { key });
    await waitFor(
      async () =>
        (await jobRow(t, first))?.status === 'succeeded' &&
        (await jobRow(t, second))?.status === 'succeeded',
      20000,
      'both jobs of the key to succeed',
    );
    const ofKey = serialRunsOf(key);
    expect(ofKey.map((r) => [r.n, r.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    expect(ofKey[0].endedAt! - ofKey[0].startedAt).toBeGreaterThanOrEqual(2900);
    const attempts = await sql<{ outcome: string; error: string | null; duration_ms: number }>(
      t,
      `SELECT outcome, error, duration_ms FROM job_attempts WHERE job_id = $1 ORDER BY id`,
      [first],
    );
    expect(attempts.map((a) => a.outcome)).toEqual(['retried', 'succeeded']);
    expect(attempts[0].error).toMatch(
      /^timed out after 1000 ms; the handler ignored its signal and returned \d+ ms later$/,
    );
    expect(attempts[0].duration_ms).toBeGreaterThanOrEqual(2900);
    const metrics = await request(t.url).get('/metrics').set(admin()).expect(200);
    expect(metrics.text).toMatch(/jobs_abort_ignored_total\{queue="test.stubborn"\} [1-9]/);
  });

  it('lets a worker whose lease was taken over record its attempt but not change the job', async () => {
    const id = await enqueue({ do: 'gate', gate: 'takeover' });
    await waitFor(() => gates.has('takeover'), 5000, 'the run to start');
    // Another owner takes the job over (what a reclaim plus a new claim does).
    await sql(
      t,
      `UPDATE jobs SET lease_id = gen_random_uuid(), lease_owner = 'other-instance' WHERE id = $1`,
      [id],
    );
    gates.get('takeover')!();
    await waitFor(
      async () => (await sql(t, `SELECT 1 FROM job_attempts WHERE job_id = $1`, [id])).length > 0,
      5000,
      'the attempt row',
    );
    const row = await jobRow(t, id);
    expect(row).toMatchObject({ status: 'running', lease_owner: 'other-instance' });
    const [attempt] = await sql(t, `SELECT outcome, applied FROM job_attempts WHERE job_id = $1`, [
      id,
    ]);
    expect(attempt).toEqual({ outcome: 'succeeded', applied: false });
    await sql(t, `UPDATE jobs SET status = 'cancelled' WHERE id = $1`, [id]);
  });

  it('reclaims a stale lease and runs the job again', async () => {
    const [{ id }] = await sql<{ id: string }>(
      t,
      `INSERT INTO jobs (queue, payload, status, attempt, lease_owner, lease_id, lease_expires_at)
       VALUES ('test.script', '{"do":"done"}', 'running', 1, 'crashed-instance', gen_random_uuid(), now() - interval '1 second')
       RETURNING id`,
    );
    await settled(id, 'succeeded');
    const attempts = await sql(
      t,
      `SELECT attempt, outcome, instance FROM job_attempts WHERE job_id = $1 ORDER BY id`,
      [id],
    );
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'lease-expired', instance: 'crashed-instance' },
      expect.objectContaining({ attempt: 2, outcome: 'succeeded' }),
    ]);
  });

  it('gives up on a job whose lease keeps expiring instead of crash-looping', async () => {
    // Two lost leases already (the schedule has two steps): the third loss exhausts it.
    const [{ id }] = await sql<{ id: string }>(
      t,
      `INSERT INTO jobs (queue, payload, status, attempt, failures, lease_owner, lease_id, lease_expires_at)
       VALUES ('test.script', '{"do":"done"}', 'running', 3, 2, 'crashed-instance', gen_random_uuid(), now() - interval '1 second')
       RETURNING id`,
    );
    await settled(id, 'failed');
    expect(runsOf(id)).toHaveLength(0);
    expect((await jobRow(t, id)).last_error).toContain('lease expired on every retry');
  });

  it('refuses to enqueue or schedule on a queue without a handler', async () => {
    await expect(jobs.enqueue('test.typo', {})).rejects.toThrow(
      'no @JobHandler for queue "test.typo"',
    );
    await expect(jobs.schedule('test.typo', 'k', '1h')).rejects.toThrow('no @JobHandler');
  });

  it('refuses to start with two handlers for one queue or a handler without run()', async () => {
    @Injectable()
    @JobHandler({ queue: 'test.script' })
    class Duplicate {
      run() {
        return Promise.resolve();
      }
    }
    @Injectable()
    @JobHandler({ queue: 'test.norun' })
    class NoRun {}
    for (const [provider, message] of [
      [Duplicate, 'two handlers claim this queue'],
      [NoRun, 'has no run(job) method'],
    ] as const) {
      const moduleRef = await Test.createTestingModule({
        imports: [AppModule],
        providers: [ScriptJob, OrderedJob, provider],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(message);
      await app.close();
    }
  });

  it('registers the maintenance schedules and runs them as jobs', async () => {
    const schedules = await sql(
      t,
      `SELECT queue, key, every_ms::int AS every FROM job_schedules ORDER BY queue`,
    );
    expect(schedules).toEqual([
      { queue: 'events.idempotency-prune', key: 'default', every: 3_600_000 },
      { queue: 'storage.maintenance', key: 'default', every: 600_000 },
      { queue: 'sync.compaction', key: 'default', every: 3_600_000 },
    ]);
    // Due now: the scheduler turns each into one job.
    await sql(t, `UPDATE job_schedules SET next_run_at = now()`);
    await waitFor(
      async () =>
        (
          await sql(
            t,
            `SELECT 1 FROM jobs WHERE queue IN ('events.idempotency-prune', 'storage.maintenance', 'sync.compaction') AND status = 'succeeded'`,
          )
        ).length === 3,
      10000,
      'three maintenance jobs to succeed',
    );
    const [next] = await sql<{ later: boolean }>(
      t,
      `SELECT bool_and(next_run_at > now() + make_interval(secs => every_ms / 1000 - 60)) AS later FROM job_schedules`,
    );
    expect(next.later).toBe(true);
  });

  describe('operator API', () => {
    it('answers 404, 400 and 409 as problem+json', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const [method, path] of [
        ['get', `/jobs/${missing}`],
        ['post', `/jobs/${missing}/retry`],
        ['post', `/jobs/${missing}/cancel`],
      ] as const) {
        const res = await request(t.url)[method](path).set(admin()).expect(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toContain('job-not-found');
      }
      await request(t.url).get('/jobs/not-a-uuid').set(admin()).expect(400);
      const bad = await request(t.url)
        .get('/jobs?status=exploded&queue=UPPER')
        .set(admin())
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'queue',
        'status',
      ]);
      await request(t.url).get('/jobs?cursor=nope').set(admin()).expect(400);
      await request(t.url).get('/jobs?surprise=1').set(admin()).expect(400);

      const id = await enqueue({ do: 'done' }, { runAt: new Date(Date.now() + 60_000) });
      const retryPending = await request(t.url).post(`/jobs/${id}/retry`).set(admin()).expect(409);
      expect(retryPending.body.type).toContain('job-not-retryable');
      const cancelled = await request(t.url).post(`/jobs/${id}/cancel`).set(admin()).expect(200);
      expect(cancelled.body.status).toBe('cancelled');
      const again = await request(t.url).post(`/jobs/${id}/cancel`).set(admin()).expect(409);
      expect(again.body.type).toContain('job-not-cancellable');
      // A cancelled job can be retried: it runs now.
      await request(t.url).post(`/jobs/${id}/retry`).set(admin()).expect(200);
      await settled(id, 'succeeded');
    });

    it('pages jobs newest first with a cursor, filtered by queue, status and key', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push(
          await enqueue({ do: 'done' }, { key: 'paging', runAt: new Date(Date.now() + 60_000) }),
        );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await request(t.url)
          .get('/jobs')
          .query({
            queue: 'test.script',
            key: 'paging',
            status: 'pending',
            limit: 2,
            ...(cursor ? { cursor } : {}),
          })
          .set(admin())
          .expect(200);
        seen.push(...res.body.data.map((j: { id: string }) => j.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      for (const id of ids)
        await request(t.url).post(`/jobs/${id}/cancel`).set(admin()).expect(200);
    });

    it('shows per-queue stats and Prometheus metrics', async () => {
      // Its own failed job: the file's other tests may not have run yet.
      await settled(await enqueue({ do: 'fail' }), 'failed');
      await enqueue({ do: 'done' }, { runAt: new Date(Date.now() + 60_000), key: 'stats' });
      const { body } = await request(t.url).get('/jobs/stats').set(admin()).expect(200);
      const script = body.queues.find((q: { queue: string }) => q.queue === 'test.script');
      expect(script).toMatchObject({ pending: expect.any(Number), running: expect.any(Number) });
      expect(script.pending).toBeGreaterThanOrEqual(1);
      expect(script.failed).toBeGreaterThanOrEqual(1);
      expect(body.queues.map((q: { queue: string }) => q.queue)).toContain('test.ordered');
      const metrics = await request(t.url).get('/metrics').set(admin()).expect(200);
      expect(metrics.text).toMatch(
        /jobs_attempts_total\{queue="test.script",outcome="succeeded"\} \d+/,
      );
      expect(metrics.text).toContain('jobs_attempt_duration_seconds_bucket');
      expect(metrics.text).toMatch(/jobs_queue_depth\{queue="test.script"\} \d+/);
      expect(metrics.text).toMatch(/jobs_oldest_due_age_seconds\{queue="test.script"\} /);
    });
  });
});
