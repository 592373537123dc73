import { Injectable } from '@nestjs/common';
import request from 'supertest';
import { nextCronRun } from '../../src/jobs/cron.js';
import { JobHandler, Job, JobRunner } from '../../src/jobs/job-handler.decorator.js';
import { JobHandlersRegistry } from '../../src/jobs/job-handlers.registry.js';
import { done, JobOutcome } from '../../src/jobs/job-outcome.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { bearer, TestApp, waitFor } from '../support/test-app.js';
import { OrderedJob, ScriptJob, sql, startJobsApp, StubbornJob } from './helpers.js';

const cronRuns: { jobId: string; key: string | null; instance: string }[] = [];

/**
 * `test.cron`: its own schedule is a daily cron rule in Berlin (key `default`, kept at
 * start-up); tests add per-second rules under other keys. A second claim of one fire time
 * enqueues a second job once the first has left `pending` (its dedupe key only covers pending
 * jobs), which the slot check below sees as two jobs in one slot.
 */
@Injectable()
@JobHandler({ queue: 'test.cron', cron: '0 0 3 * * *', timeZone: 'Europe/Berlin' })
class CronJob implements JobRunner {
  instance = 'a';

  async run(job: Job): Promise<JobOutcome> {
    cronRuns.push({ jobId: job.id, key: job.key, instance: this.instance });
    return done();
  }
}

const providers = [ScriptJob, OrderedJob, StubbornJob, CronJob];

/** Two app instances on one database, as two replicas behind a load balancer. */
describe('Schedules: cron rules, across instances, and GET /jobs/schedules', () => {
  let a: TestApp;
  let b: TestApp;
  const admin = () => bearer(a.adminToken);

  beforeAll(async () => {
    a = await startJobsApp({ providers });
    b = await startJobsApp({ databaseUrl: a.databaseUrl, providers });
    b.app.get(CronJob).instance = 'b';
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('keeps a @JobHandler cron schedule, its next run read in its time zone', async () => {
    const [row] = await sql<{ every_ms: string | null; cron: string; time_zone: string }>(
      a,
      `SELECT every_ms, cron, time_zone, next_run_at FROM job_schedules WHERE queue = 'test.cron' AND key = 'default'`,
    );
    expect(row).toMatchObject({ every_ms: null, cron: '0 0 3 * * *', time_zone: 'Europe/Berlin' });
    const next = (row as unknown as { next_run_at: Date }).next_run_at;
    // 03:00 in Berlin: 01:00 or 02:00 UTC, depending on daylight saving time.
    expect(
      nextCronRun({ cron: '0 0 3 * * *', timeZone: 'Europe/Berlin' }, new Date(next.getTime() - 1)),
    ).toEqual(next);
    expect([1, 2]).toContain(next.getUTCHours());
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('runs a cron schedule at its fire times, each once across two instances', async () => {
    const key = `every-2s-${Date.now()}`;
    const [{ now }] = await sql<{ now: Date }>(a, `SELECT now() AS now`);
    const firstFire = nextCronRun({ cron: '*/2 * * * * *', timeZone: 'UTC' }, now);
    await a.app
      .get(JobsService)
      .schedule('test.cron', key, { cron: '*/2 * * * * *', timeZone: 'UTC' });
    const jobsOf = () =>
      sql<{ id: string; created_at: Date; status: string }>(
        a,
        `SELECT id, created_at, status FROM jobs WHERE queue = 'test.cron' AND key = $1 ORDER BY created_at`,
        [key],
      );
    await waitFor(
      async () => (await jobsOf()).filter((j) => j.status === 'succeeded').length >= 3,
      30000,
      'three runs of the per-second cron schedule',
    );
    await a.app.get(JobsService).unschedule('test.cron', key);
    const jobs = await jobsOf();
    // Not before its first fire time (the schedule does not fire when it is created).
    expect(jobs[0].created_at.getTime()).toBeGreaterThanOrEqual(firstFire.getTime());
    // A claim moves the row past the claim time to the next even second, so a correct
    // scheduler enqueues at most one job per two-second slot however late it claims; a fire
    // time claimed twice (on two instances, or twice on one) would put two jobs in one slot.
    const slots = jobs.map((j) => Math.floor(j.created_at.getTime() / 2000));
    expect(new Set(slots).size).toBe(jobs.length);
    await waitFor(
      async () => (await jobsOf()).every((j) => j.status === 'succeeded'),
      10000,
      'the last run to finish',
    );
    const ids = new Set((await jobsOf()).map((j) => j.id));
    const runs = cronRuns.filter((r) => ids.has(r.jobId));
    expect(runs).toHaveLength(ids.size);
    expect(new Set(runs.map((r) => r.jobId)).size).toBe(ids.size);
  });

  it('moves a claimed cron schedule to the next fire time after the claim', async () => {
    const key = `daily-${Date.now()}`;
    const jobs = a.app.get(JobsService);
    await jobs.schedule('test.cron', key, { cron: '30 4 * * *', timeZone: 'America/New_York' });
    // Due now, as after a long outage: it fires once, then waits for the next 04:30 in New York.
    await sql(
      a,
      `UPDATE job_schedules SET next_run_at = now() - interval '3 days' WHERE key = $1`,
      [key],
    );
    await waitFor(
      async () =>
        (await sql(a, `SELECT 1 FROM jobs WHERE queue = 'test.cron' AND key = $1`, [key]))
          .length === 1,
      10000,
      'the overdue run',
    );
    const [row] = await sql<{ last_run_at: Date; next_run_at: Date }>(
      a,
      `SELECT last_run_at, next_run_at FROM job_schedules WHERE key = $1`,
      [key],
    );
    expect(row.next_run_at).toEqual(
      nextCronRun({ cron: '30 4 * * *', timeZone: 'America/New_York' }, row.last_run_at),
    );
    expect(row.next_run_at.getTime()).toBeGreaterThan(row.last_run_at.getTime());
    await jobs.unschedule('test.cron', key);
    const created = await sql(a, `SELECT 1 FROM jobs WHERE queue = 'test.cron' AND key = $1`, [
      key,
    ]);
    expect(created).toHaveLength(1);
  });

  it('keeps, moves or replaces the next run when a schedule is set again, from two instances at once too', async () => {
    const H = 3_600_000;
    const key = `again-${Date.now()}`;
    const jobs = a.app.get(JobsService);
    const row = async () => {
      const [r] = await sql<{
        every_ms: string | null;
        cron: string | null;
        time_zone: string | null;
        payload: unknown;
        next_run_at: Date;
        now: Date;
      }>(
        a,
        `SELECT every_ms, cron, time_zone, payload, next_run_at, now() AS now
         FROM job_schedules WHERE queue = 'test.script' AND key = $1`,
        [key],
      );
      return r;
    };
    const inOnePeriod = (r: { next_run_at: Date; now: Date }, periodMs: number) => {
      const ahead = r.next_run_at.getTime() - r.now.getTime();
      expect(ahead).toBeLessThanOrEqual(periodMs);
      expect(ahead).toBeGreaterThan(periodMs - 60_000);
    };

    // Both instances create it at once (as at a joint start-up): both succeed, one row.
    await Promise.all([
      jobs.schedule('test.script', key, '2h', { v: 1 }),
      b.app.get(JobsService).schedule('test.script', key, '2h', { v: 1 }),
    ]);
    expect(await sql(a, `SELECT 1 FROM job_schedules WHERE key = $1`, [key])).toHaveLength(1);
    const first = await row();
    expect(first).toMatchObject({ every_ms: String(2 * H), cron: null, payload: { v: 1 } });
    inOnePeriod(first, 2 * H);

    // The same period keeps the next run (and takes the new payload); a longer one keeps the
    // earlier run; a shorter one takes effect at once.
    await jobs.schedule('test.script', key, '2h', { v: 2 });
    expect(await row()).toMatchObject({ next_run_at: first.next_run_at, payload: { v: 2 } });
    await jobs.schedule('test.script', key, '3h', { v: 2 });
    expect(await row()).toMatchObject({ every_ms: String(3 * H), next_run_at: first.next_run_at });
    await jobs.schedule('test.script', key, '1h', { v: 2 });
    const shorter = await row();
    expect(shorter.every_ms).toBe(String(H));
    inOnePeriod(shorter, H);

    // A cron rule replaces the period and runs at its own next fire time.
    const rule = { cron: '0 3 * * *', timeZone: 'Europe/Berlin' };
    const [{ now: before }] = await sql<{ now: Date }>(a, `SELECT now() AS now`);
    await jobs.schedule('test.script', key, rule, { v: 3 });
    const cron = await row();
    expect(cron).toMatchObject({
      every_ms: null,
      cron: rule.cron,
      time_zone: rule.timeZone,
      payload: { v: 3 },
    });
    expect(nextCronRun(rule, new Date(cron.next_run_at.getTime() - 1))).toEqual(cron.next_run_at);
    expect(cron.next_run_at.getTime()).toBeGreaterThan(before.getTime());
    expect(cron.next_run_at.getTime()).toBeLessThanOrEqual(nextCronRun(rule, cron.now).getTime());

    // The same rule keeps its run; firstRunAt overrides it.
    await jobs.schedule('test.script', key, rule, { v: 3 });
    expect((await row()).next_run_at).toEqual(cron.next_run_at);
    const at = new Date(Date.now() + 5 * H);
    await jobs.schedule('test.script', key, rule, { v: 3 }, { firstRunAt: at });
    expect((await row()).next_run_at).toEqual(at);

    // Back to a period: the earlier of the stored run and one period from now.
    await jobs.schedule('test.script', key, '1h');
    const back = await row();
    expect(back).toMatchObject({ every_ms: String(H), cron: null, time_zone: null, payload: {} });
    inOnePeriod(back, H);

    expect(await jobs.unschedule('test.script', key)).toBe(true);
    expect(await sql(a, `SELECT 1 FROM job_schedules WHERE key = $1`, [key])).toEqual([]);
    expect(await jobs.unschedule('test.script', key)).toBe(false);
  });

  it('refuses a cron rule or time zone it cannot use, from code and in @JobHandler', async () => {
    const jobs = a.app.get(JobsService);
    await expect(jobs.schedule('test.cron', 'bad', { cron: '61 * * * *' })).rejects.toThrow(
      /schedule cron 61 \* \* \* \* is not a cron expression.*out of range/,
    );
    await expect(jobs.schedule('test.cron', 'bad', { cron: '0 0 30 2 *' })).rejects.toThrow(
      /no execution date was found/i,
    );
    await expect(
      jobs.schedule('test.cron', 'bad', { cron: '0 3 * * *', timeZone: 'local' }),
    ).rejects.toThrow('schedule timeZone local must be an IANA time zone');
    expect(
      await sql(a, `SELECT 1 FROM job_schedules WHERE queue = 'test.cron' AND key = 'bad'`),
    ).toEqual([]);

    const registry = a.app.get(JobHandlersRegistry);
    const runner = { run: async () => done() };
    for (const [options, message] of [
      [{ cron: '* * *' }, 'cron is not a cron expression'],
      [{ cron: '0 3 * * *', every: '1h' }, 'every and cron exclude each other'],
      [{ timeZone: 'UTC' }, 'timeZone needs cron'],
      [{ cron: '0 3 * * *', timeZone: '+01:00' }, 'timeZone must be an IANA time zone'],
    ] as const)
      expect(() => registry.register({ queue: 'test.cron-typo', ...options }, runner)).toThrow(
        message,
      );
  });

  describe('GET /jobs/schedules', () => {
    it('lists every schedule by queue and key, with interval or cron, zone, last and next run', async () => {
      const jobs = a.app.get(JobsService);
      const keys = ['s1', 's2', 's3', 's4', 's5'].map((k) => `list-${k}`);
      for (const key of keys.slice(0, 3)) await jobs.schedule('test.script', key, '1h');
      for (const key of keys.slice(3))
        await jobs.schedule('test.script', key, { cron: '15 6 * * MON', timeZone: 'Asia/Tokyo' });

      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await request(a.url)
          .get('/jobs/schedules')
          .query({ queue: 'test.script', limit: 2, ...(cursor ? { cursor } : {}) })
          .set(admin())
          .expect(200);
        seen.push(...res.body.data);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      const listed = seen.filter((s) => keys.includes(s.key as string));
      expect(listed.map((s) => s.key)).toEqual(keys);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(listed[0]).toEqual({
        queue: 'test.script',
        key: 'list-s1',
        intervalMs: 3_600_000,
        cron: null,
        timeZone: null,
        lastRunAt: null,
        nextRunAt: expect.any(String),
      });
      expect(listed[3]).toMatchObject({
        intervalMs: null,
        cron: '15 6 * * MON',
        timeZone: 'Asia/Tokyo',
        lastRunAt: null,
      });
      // 06:15 on a Monday in Tokyo is 21:15 UTC on a Sunday.
      const next = new Date(listed[3].nextRunAt as string);
      expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([0, 21, 15]);

      const all = await request(a.url).get('/jobs/schedules').set(admin()).expect(200);
      const byQueue = new Map(
        (all.body.data as { queue: string; key: string }[]).map((s) => [`${s.queue}/${s.key}`, s]),
      );
      expect(byQueue.get('storage.maintenance/default')).toMatchObject({
        intervalMs: 600_000,
        cron: null,
        nextRunAt: expect.any(String),
      });
      expect(byQueue.get('test.cron/default')).toMatchObject({
        intervalMs: null,
        cron: '0 0 3 * * *',
        timeZone: 'Europe/Berlin',
      });
      for (const key of keys) await jobs.unschedule('test.script', key);
    });

    it('answers bad filters, limits and cursors with a 400 naming the field, and only admins', async () => {
      const fields = async (query: Record<string, string>) => {
        const res = await request(a.url)
          .get('/jobs/schedules')
          .query(query)
          .set(admin())
          .expect(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        return (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      };
      expect(await fields({ queue: 'Not A Queue' })).toEqual(['queue']);
      expect(await fields({ limit: '0' })).toEqual(['limit']);
      expect(await fields({ limit: '501', queue: 'UPPER' })).toEqual(['limit', 'queue']);
      expect(await fields({ cursor: 'nope' })).toEqual(['cursor']);
      expect(await fields({ surprise: '1' })).toEqual(['surprise']);
      await request(a.url).get('/jobs/schedules').expect(401);
    });
  });
});
