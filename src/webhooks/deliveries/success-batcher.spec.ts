import { jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import type { AttemptRecord } from './delivery-queue.repository.js';
import { SuccessBatcher } from './success-batcher.js';

const attempt = (n: number): AttemptRecord => ({
  deliveryId: `delivery-${n}`,
  endpointId: 'endpoint',
  attemptNumber: 1,
  startedAt: new Date(0),
  durationMs: 1,
  statusCode: 200,
  responseHeaders: {},
  responseBody: null,
  error: null,
  instanceId: 'instance',
});

/** The batcher with its statement replaced: each write waits until the test lets it finish. */
function withHeldWrites() {
  const sut = new SuccessBatcher({} as DataSource);
  const writes: { ids: string[]; finish: () => void }[] = [];
  let wrote: () => void = () => undefined;
  (sut as unknown as { write: (a: AttemptRecord[]) => Promise<void> }).write = (attempts) =>
    new Promise<void>((resolve) => {
      writes.push({ ids: attempts.map((a) => a.deliveryId), finish: resolve });
      wrote();
    });
  /** Resolves once `count` writes have started. */
  const started = (count: number) =>
    new Promise<void>((resolve) => {
      wrote = () => writes.length >= count && resolve();
      wrote();
    });
  return { sut, writes, started };
}

describe('SuccessBatcher', () => {
  // Timers are frozen (a batch must not wait on one); turns (setImmediate) run as usual.
  beforeEach(() =>
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }),
  );
  afterEach(() => jest.useRealTimers());

  it('writes the successes of one turn as one batch, without waiting on a timer', async () => {
    const { sut, writes, started } = withHeldWrites();
    const settled = [1, 2, 3].map((n) => sut.settle(attempt(n), 'lease'));
    await started(1);
    expect(writes.map((w) => w.ids)).toEqual([['delivery-1', 'delivery-2', 'delivery-3']]);
    writes[0].finish();
    await Promise.all(settled);
  });

  it('gathers the successes that come while a batch is written into the next one', async () => {
    const { sut, writes, started } = withHeldWrites();
    const first = sut.settle(attempt(1), 'lease');
    await started(1);
    // A batch is being written: these wait, whatever the number of turns they arrive in.
    const later = [sut.settle(attempt(2), 'lease')];
    await new Promise((resolve) => setImmediate(resolve));
    later.push(sut.settle(attempt(3), 'lease'));
    await new Promise((resolve) => setImmediate(resolve));
    jest.advanceTimersByTime(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);

    writes[0].finish();
    await first;
    await started(2);
    expect(writes[1].ids).toEqual(['delivery-2', 'delivery-3']);
    writes[1].finish();
    await Promise.all(later);
    expect(writes).toHaveLength(2);
  });

  it('splits more than 200 waiting successes into batches of 200', async () => {
    const { sut, writes, started } = withHeldWrites();
    const settled = Array.from({ length: 250 }, (_, n) => sut.settle(attempt(n), 'lease'));
    await started(1);
    expect(writes.map((w) => w.ids.length)).toEqual([200]);
    writes[0].finish();
    await started(2);
    expect(writes.map((w) => w.ids.length)).toEqual([200, 50]);
    writes[1].finish();
    await Promise.all(settled);
  });
});
