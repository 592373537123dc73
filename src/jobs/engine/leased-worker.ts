import { Logger } from '@nestjs/common';
import { inBackground } from '../../common/errors/background-context.js';
import { UnexpectedErrors } from '../../common/errors/unexpected-errors.service.js';
import { FailureLog } from '../../common/logging/failure-log.js';
import type { LeasedQueue } from './leased-queue.js';

/** A one-shot timer under a name (the SchedulerRegistry's, in the app). */
export interface DueTimer {
  arm(fn: () => void, ms: number): void;
  disarm(): void;
}

/** Added to the claim's duration when asking what came due during it (see LeasedQueue.nextDue). */
const LOOKBACK_MARGIN_MS = 20;

/** setTimeout's limit: a due time further out is re-checked at this point instead. */
const MAX_TIMER_MS = 2_147_483_647;

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
 * back what did not finish. Woken by `wake()` (NOTIFY, poll timer, a finished run, or the
 * due timer); wakes that arrive while a claim is running are folded into one more pass.
 *
 * The due timer is what lets the poll tick be a slow safety net: when a claim comes back
 * empty, the queue says when its next item becomes due (a retry's backoff, a delayed job) and
 * the worker sleeps until exactly then. An item due now that the claim did not take is held
 * by something else (a per-key or per-endpoint limit, another instance's lease); what frees
 * it wakes a worker (a settle here, or the other instance's own refill), so the timer is not
 * armed for it.
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
    private readonly dueTimer?: DueTimer,
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
    let retriedDue = false;
    try {
      do {
        this.again = false;
        const busy = Math.max(this.sending, this.runs.size - settleBacklog);
        const free = maxInFlight - busy;
        // One claim query per finished item would cost more than the item (webhooks).
        if (free <= 0 || (busy > 0 && free < minClaim)) break;
        const claimStartedAt = Date.now();
        const claimed = await this.queue.claim(free);
        this.claimFailures.succeeded();
        for (const item of claimed) this.start(item);
        if (claimed.length === free) this.again = true;
        if (claimed.length === 0 && !this.again) {
          const cameDue = await this.armForNextDue(Date.now() - claimStartedAt);
          // Came due while the claim ran: one more pass takes it (one: a second empty pass
          // leaves it to whatever holds it).
          if (cameDue && !retriedDue) this.again = retriedDue = true;
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      if (!this.stopped) this.claimFailures.failed(err);
    }
  }

  /**
   * After an empty claim: arms the due timer for the next item due later, if any. True when
   * an item came due while the claim ran.
   */
  private async armForNextDue(claimMs: number): Promise<boolean> {
    if (!this.dueTimer || !this.queue.nextDue || this.stopped) return false;
    const { inMs, cameDue } = await this.queue.nextDue(claimMs + LOOKBACK_MARGIN_MS);
    // +1: a timer may fire a hair early by the database's clock; an empty claim then re-arms.
    if (inMs !== null)
      this.dueTimer.arm(() => this.wake(), Math.min(Math.ceil(inMs) + 1, MAX_TIMER_MS));
    return cameDue;
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
    this.dueTimer?.disarm();
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
