import { WorkerBudgetError, WorkerPool, WorkerTaskError } from './worker-pool.js';

const script = new URL('./worker-pool.fixture.mjs', import.meta.url);

describe('WorkerPool', () => {
  let sut: WorkerPool;
  beforeEach(() => {
    sut = new WorkerPool({ script, size: 1, deadlineMs: 2000, maxHeapMb: 32, idleMs: 60_000 });
  });
  afterEach(() => sut.close());

  it('runs tasks in a worker and returns their value', async () => {
    await expect(sut.run('echo', { a: [1, 2] })).resolves.toEqual({ a: [1, 2] });
  });

  it('rejects with the task error and keeps the worker', async () => {
    await expect(sut.run('fail', 'bad input')).rejects.toThrow(
      new WorkerTaskError('bad input', 'Error'),
    );
    await expect(sut.run('echo', 1)).resolves.toBe(1);
    expect(sut.threads).toBe(1);
  });

  it('terminates a task past its deadline, and the next task gets a fresh worker', async () => {
    const started = Date.now();
    const err = await sut.run('spin', null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerBudgetError);
    expect((err as WorkerBudgetError).kind).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(sut.run('echo', 'after')).resolves.toBe('after');
  });

  it('stops a worker that outgrows its heap limit without harming the process', async () => {
    const err = await sut.run('hoard', null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerBudgetError);
    expect((err as WorkerBudgetError).kind).toBe('memory');
    await expect(sut.run('echo', 'alive')).resolves.toBe('alive');
  });

  it('queues tasks beyond its size and never starts more threads than allowed', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => sut.run('echo', n)));
    expect(results).toEqual([1, 2, 3, 4]);
    expect(sut.threads).toBe(1);
  });

  it('a task queued behind a runaway one still runs once the runaway is stopped', async () => {
    const runaway = sut.run('spin', null).catch((e: unknown) => e);
    const next = sut.run('echo', 'queued');
    await expect(next).resolves.toBe('queued');
    expect(await runaway).toBeInstanceOf(WorkerBudgetError);
  });

  it('close() rejects what is running and leaves no thread behind', async () => {
    const running = sut.run('spin', null).catch((e: unknown) => e);
    await sut.close();
    expect(await running).toBeInstanceOf(Error);
    expect(sut.threads).toBe(0);
  });
});
