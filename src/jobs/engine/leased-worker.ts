import { Logger } from '@nestjs/common';
import { inBackground } from '../../common/errors/background-context.js';
import { UnexpectedErrors } from '../../common/errors/unexpected-errors.service.js';
import { FailureLog } from '../../common/logging/failure-log.js';
import type { LeasedQueue } from './leased-queue.js';

interface Run<T> {
  item: T;
  startedAt: Date;
  /** Aborted when shutdown gave the item back. */
  controller: AbortController;
  /** Still holds an in-flight slot (not yet `responded`). */
  sending: boolean;
  done: Promise<void>;
}

/**
 * The one worker engine of the hub: claims a leased queue's items, runs them at most
 * `maxInFlight` at once on this instance, and at shutdown stops claiming, drains, and gives
 * back what did not finish. Woken by `wake()` (NOTIFY, poll timer, a finished run); wakes
 * that arrive while a claim is running are folded into one more pass.
 */
export class LeasedWorker<T> {
  private readonly logger: Logger;
  private readonly claimFailures: FailureLog;
  private readonly runs = new Set<Run<T>>();
  private sending = 0;
  private claiming?: Promise<void>;
  private again = false;
  private stopped = false;
  private refill?: NodeJS.Immediate;

  constructor(
    private readonly queue: LeasedQueue<T>,
    private readonly errors: UnexpectedErrors,
  ) {
    this.logger = new Logger(`LeasedWorker:${queue.name}`);
    this.claimFailures = new FailureLog(this.logger, `claiming ${queue.name}`);
  }

  get name(): string {
    return this.queue.name;
  }

  /** Items claimed and not yet settled (or given back). */
  get inFlight(): number {
    return this.runs.size;
  }

  wake(): void {
    void inBackground(this.queue.claimContext, () => this.fill());
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => (this.claiming = undefined));
    await this.claiming;
  }

  private async claimLoop(): Promise<void> {
    const { maxInFlight, settleBacklog = 0, minClaim = 1 } = this.queue;
    try {
      do {
        this.again = false;
        const busy = Math.max(this.sending, this.runs.size - settleBacklog);
        const free = maxInFlight - busy;
        // One claim query per finished item would cost more than the item (webhooks).
        if (free <= 0 || (busy > 0 && free < minClaim)) break;
        const claimed = await this.queue.claim(free);
        this.claimFailures.succeeded();
        for (const item of claimed) this.start(item);
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.claimFailures.failed(err);
    }
  }

  private start(item: T): void {
    const ctx = this.queue.contextOf(item);
    const run: Run<T> = {
      item,
      startedAt: new Date(),
      controller: new AbortController(),
      sending: true,
      done: Promise.resolve(),
    };
    this.sending++;
    const control = { signal: run.controller.signal, responded: () => this.responded(run) };
    run.done = inBackground(ctx, () => this.queue.run(item, control))
      .catch((err: unknown) => {
        if (!this.queue.runFailed?.(err, item)) this.errors.report(err, ctx);
      })
      .finally(() => {
        this.runs.delete(run);
        // Settled: its lease is gone, so the queue (and a per-key or per-endpoint limit) has room.
        this.responded(run);
        this.scheduleRefill();
      });
    this.runs.add(run);
  }

  private responded(run: Run<T>): void {
    if (!run.sending) return;
    run.sending = false;
    this.sending--;
    this.scheduleRefill();
  }

  /** Many runs finishing in one tick make one claim pass, not one each. */
  private scheduleRefill(): void {
    if (this.stopped) return;
    this.refill ??= setImmediate(() => {
      this.refill = undefined;
      this.wake();
    });
  }

  /**
   * Stops claiming and waits up to `drainMs` for running items; those still running are
   * aborted and given back (due now) so another instance takes them at once instead of
   * after their lease expires.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopped = true;
    if (this.refill) clearImmediate(this.refill);
    await this.claiming; // a claim in flight adds its items to `runs` first
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.runs].map((r) => r.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, drainMs))),
    ]);
    clearTimeout(timer);
    await Promise.all(
      [...this.runs].map(async (run) => {
        run.controller.abort(new Error('the instance is shutting down'));
        try {
          await this.queue.release(run.item, run.startedAt);
        } catch (err) {
          this.logger.warn(`giving back an item failed: ${(err as Error).message}`);
        }
      }),
    );
  }
}
