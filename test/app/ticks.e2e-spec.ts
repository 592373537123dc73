import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { JobHandler, Job, JobRunner } from '../../src/jobs/job-handler.decorator.js';
import { done, JobOutcome } from '../../src/jobs/job-outcome.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';

/** What the registry held when the drain aborted a running job (inside the jobs' shutdown). */
let registeredAtAbort: { intervals: string[]; timeouts: string[] } | undefined;
let started = false;

@Injectable()
@JobHandler({ queue: 'test.hold', timeoutMs: 60_000 })
class HoldJob implements JobRunner {
  constructor(private readonly registry: SchedulerRegistry) {}

  async run(job: Job): Promise<JobOutcome> {
    started = true;
    await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
    registeredAtAbort = {
      intervals: this.registry.getIntervals(),
      timeouts: this.registry.getTimeouts(),
    };
    return done();
  }
}

const TICKS = ['jobs.poll', 'jobs.poll.deliveries', 'sync.stream.heartbeat', 'sync.stream.poll'];

/**
 * Every per-instance timer is registered, by name, with @nestjs/schedule's SchedulerRegistry,
 * and none survives the app's shutdown.
 */
describe('Per-instance ticks in the SchedulerRegistry', () => {
  let t: TestApp | undefined;
  afterAll(() => t?.close());

  it('lists every tick by name, and shutdown stops them all after the jobs drained', async () => {
    t = await startTestApp({
      providers: [HoldJob],
      env: { JOBS_POLL_MS: '100', SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    const registry = t.app.get(SchedulerRegistry);
    expect([...registry.getIntervals()].sort()).toEqual([...TICKS].sort());

    // One re-arming timeout per event consumer (armed after its first drain), the probe and
    // the scheduler's; `jobs.due.<queue>` ones exist only while a queue has a later item.
    const consumers = (
      await t.app.get(DataSource).query(`SELECT name FROM event_consumers ORDER BY name`)
    ).map((r: { name: string }) => `events.consumer.${r.name}`);
    expect(consumers.length).toBeGreaterThanOrEqual(4);
    const timeouts = ['database.liveness', 'jobs.scheduler', ...consumers].sort();
    await waitFor(
      () => timeouts.every((name) => registry.doesExist('timeout', name)),
      10000,
      'the liveness probe, the scheduler and every consumer timer',
    );
    const dueTimers = (name: string) => name.startsWith('jobs.due.');
    expect([...registry.getTimeouts()].filter((n) => !dueTimers(n)).sort()).toEqual(timeouts);

    const timers = [
      ...registry.getIntervals().map((name) => registry.getInterval<NodeJS.Timeout>(name)),
      ...registry.getTimeouts().map((name) => registry.getTimeout<NodeJS.Timeout>(name)),
    ];
    await t.app.get(JobsService).enqueue('test.hold', {});
    await waitFor(() => started, 10000, 'the held job to start');

    await t.close();
    // The drain ran before ScheduleModule cleared the registry: the database probe still ran
    // while jobs finished, while the job poll tick was already stopped by its owner.
    expect(registeredAtAbort?.timeouts).toContain('database.liveness');
    expect(registeredAtAbort?.intervals).not.toContain('jobs.poll');
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getTimeouts()).toEqual([]);
    // Node marks a cleared timer destroyed (the one-shot timers that had fired are too).
    for (const timer of timers)
      expect((timer as unknown as { _destroyed: boolean })._destroyed).toBe(true);
  });
});
