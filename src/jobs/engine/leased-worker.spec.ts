import { Logger } from '@nestjs/common';
import type { UnexpectedErrors } from '../../common/errors/unexpected-errors.service.js';
import type { LeasedQueue, RunControl } from './leased-queue.js';
import { type DueTimer, LeasedWorker } from './leased-worker.js';

/** A queue in memory: items wait in `backlog`; each run waits until the test finishes it. */
class FakeQueue implements LeasedQueue<number> {
  readonly name = 'fake';
  readonly claimContext = { context: 'fake-claim' };
  backlog: number[] = [];
  claims: number[] = [];
  running = new Map<number, { control: RunControl; finish: (err?: Error) => void }>();
  peak = 0;
  settled: number[] = [];
  released: number[] = [];
  failClaims = 0;

  constructor(
    readonly maxInFlight: number,
    readonly settleBacklog = 0,
    readonly minClaim = 1,
  ) {}

  async claim(limit: number): Promise<number[]> {
    if (this.failClaims > 0) {
      this.failClaims--;
      throw new Error('claim refused');
    }
    this.claims.push(limit);
    return this.backlog.splice(0, limit);
  }

  contextOf(item: number) {
    return { context: 'fake-run', item };
  }

  run(item: number, control: RunControl): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.running.set(item, {
        control,
        finish: (err) => {
          this.running.delete(item);
          if (err) return reject(err);
          if (!control.signal.aborted) this.settled.push(item);
          resolve();
        },
      });
      this.peak = Math.max(this.peak, this.running.size);
    });
  }

  async release(item: number): Promise<void> {
    this.released.push(item);
  }

  finish(item: number, err?: Error): void {
    this.running.get(item)!.finish(err);
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Lets every pending wake, claim and refill of the fake queue run (they chain through
 * promises and setImmediate, never timers), so a test can check that nothing more happened.
 */
async function quiesce(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

const reported: unknown[] = [];
const errors = { report: (err: unknown) => reported.push(err) } as unknown as UnexpectedErrors;

beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => (reported.length = 0));

describe('LeasedWorker', () => {
  it('runs at most maxInFlight at once and claims again as runs finish', async () => {
    const q = new FakeQueue(3);
    q.backlog = [1, 2, 3, 4, 5, 6, 7];
    const w = new LeasedWorker(q, errors);
    w.wake();
    await until(() => q.running.size === 3, 'three running');
    expect(q.backlog).toEqual([4, 5, 6, 7]);
    q.finish(1);
    await until(() => q.running.has(4), 'item 4 claimed after 1 finished');
    expect(q.running.size).toBe(3);
    for (const item of [2, 3, 4, 5, 6, 7]) {
      await until(() => q.running.has(item), `item ${item} running`);
      q.finish(item);
    }
    await until(() => w.inFlight === 0, 'all settled');
    expect(q.settled.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(q.peak).toBe(3);
  });

  it('frees a slot when a run has responded, up to the settle backlog', async () => {
    const q = new FakeQueue(2, 1);
    q.backlog = [1, 2, 3, 4, 5];
    const w = new LeasedWorker(q, errors);
    w.wake();
    await until(() => q.running.size === 2, 'two running');
    q.running.get(1)!.control.responded();
    await until(() => q.running.has(3), 'a third claimed while 1 settles');
    q.running.get(2)!.control.responded();
    await quiesce();
    // 1 and 2 settling, 3 sending: 3 runs - backlog 1 = 2 busy, no room for a fourth.
    expect(q.running.has(4)).toBe(false);
    q.finish(1);
    await until(() => q.running.has(4), 'item 4 once a settle finished');
    await w.stop(0);
  });

  it('waits for a chunk of minClaim free slots while busy', async () => {
    const q = new FakeQueue(4, 0, 2);
    q.backlog = [1, 2, 3, 4, 5, 6];
    const w = new LeasedWorker(q, errors);
    w.wake();
    await until(() => q.running.size === 4, 'four running');
    q.finish(1);
    await quiesce();
    expect(q.claims).toEqual([4]);
    q.finish(2);
    await until(() => q.running.has(6), 'a chunk of two claimed');
    expect(q.claims).toEqual([4, 2]);
    await w.stop(0);
  });

  it('on stop, lets runs finish within the drain time and gives back the rest, aborted', async () => {
    const q = new FakeQueue(3);
    q.backlog = [1, 2, 3, 4];
    const w = new LeasedWorker(q, errors);
    w.wake();
    await until(() => q.running.size === 3, 'three running');
    const signal3 = q.running.get(3)!.control.signal;
    setTimeout(() => q.finish(1), 10);
    await w.stop(100);
    expect(q.settled).toEqual([1]);
    expect(q.released.sort()).toEqual([2, 3]);
    expect(signal3.aborted).toBe(true);
    // A late result of a given-back item is not settled, and nothing is claimed after stop.
    q.finish(2);
    w.wake();
    await quiesce();
    expect(q.settled).toEqual([1]);
    expect(q.backlog).toEqual([4]);
  });

  it('keeps claiming after a failed claim, and reports errors that escape a run', async () => {
    const q = new FakeQueue(2);
    q.backlog = [1];
    q.failClaims = 1;
    const w = new LeasedWorker(q, errors);
    w.wake();
    expect(q.failClaims).toBe(0);
    expect(q.running.size).toBe(0);
    // The poll timer's later wakes claim again.
    await until(() => {
      w.wake();
      return q.running.has(1);
    }, 'claimed on a later wake');
    q.finish(1, new Error('escaped'));
    await until(() => reported.length === 1, 'the error reported');
    expect((reported[0] as Error).message).toBe('escaped');
    expect(w.inFlight).toBe(0);
  });

  describe('due timer', () => {
    /** A queue that answers nextDue with `inMs` and `cameDue`. */
    class DueQueue extends FakeQueue {
      inMs: number | null = null;
      cameDue = false;
      dueAsked = 0;
      async nextDue(): Promise<{ inMs: number | null; cameDue: boolean }> {
        this.dueAsked++;
        return { inMs: this.inMs, cameDue: this.cameDue };
      }
    }
    /** Records what the worker arms; the test fires it. */
    class RecordingTimer implements DueTimer {
      armed: { fn: () => void; ms: number }[] = [];
      disarmed = 0;
      arm(fn: () => void, ms: number): void {
        this.armed.push({ fn, ms });
      }
      disarm(): void {
        this.disarmed++;
      }
    }

    it('after an empty claim, sleeps until the next item is due and then claims it', async () => {
      const q = new DueQueue(2);
      q.inMs = 1500;
      const timer = new RecordingTimer();
      const w = new LeasedWorker(q, errors, timer);
      w.wake();
      await until(() => timer.armed.length === 1, 'the timer armed');
      expect(timer.armed[0].ms).toBe(1501);
      expect(q.claims).toEqual([2]);
      // The retry comes due: the timer's wake claims it.
      q.backlog = [7];
      q.inMs = null;
      timer.armed[0].fn();
      await until(() => q.running.has(7), 'the due item claimed');
      q.finish(7);
      await w.stop(0);
      expect(timer.disarmed).toBe(1);
    });

    it('claims once more when an item came due during the claim, and still arms for a later one', async () => {
      const q = new DueQueue(2);
      q.cameDue = true; // came due during the claim, but something else holds it
      q.inMs = 800; // and a retry held behind it is due later
      const timer = new RecordingTimer();
      const w = new LeasedWorker(q, errors, timer);
      w.wake();
      await until(() => q.dueAsked === 2, 'asked after both empty claims');
      await quiesce();
      expect(q.claims).toEqual([2, 2]);
      expect(timer.armed.map((a) => a.ms)).toEqual([801, 801]);
      await w.stop(0);
    });

    it('arms nothing when nothing is pending, and is not asked while items were claimed', async () => {
      const q = new DueQueue(3);
      q.backlog = [1];
      const timer = new RecordingTimer();
      const w = new LeasedWorker(q, errors, timer);
      w.wake();
      await until(() => q.running.has(1), 'item 1 running');
      expect(q.dueAsked).toBe(0);
      q.finish(1);
      await until(() => q.dueAsked === 1, 'asked after the refill claim came back empty');
      expect(timer.armed).toEqual([]);
      await w.stop(0);
    });
  });
});
