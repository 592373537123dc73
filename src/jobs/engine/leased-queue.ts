import type { BackgroundContext } from '../../common/errors/background-context.js';

/** See LeasedQueue.nextDue. */
export interface NextDue {
  inMs: number | null;
  cameDue: boolean;
}

/** What the engine hands a run: the shutdown signal and a way to free its slot early. */
export interface RunControl {
  /**
   * Fires when shutdown gave the item back (`release` was called): the item is no longer
   * this worker's, so the run must not settle it (a settle would be refused by the lease
   * anyway) and should stop what it is doing.
   */
  signal: AbortSignal;
  /**
   * The item no longer needs an in-flight slot (its request is answered) although it is not
   * settled yet: the engine may claim more while the settle is written. Optional.
   */
  responded(): void;
}

/**
 * One leased queue as the worker engine (LeasedWorker) sees it: the queue's own table and
 * SQL claim items under a lease and settle them only while the lease is still held; the
 * engine decides when to claim and how many, runs each item in its background context,
 * counts what is in flight, and drains and gives back at shutdown.
 *
 * The generic `jobs` table (one per @JobHandler queue) and the webhook deliveries (tuned
 * claim with per-endpoint fairness and limits, batched success settles) both implement it.
 */
export interface LeasedQueue<T> {
  /** For logs ("claiming <name> failed"): `<queue> jobs`, `deliveries`. */
  readonly name: string;
  /** Items running at once on this instance (slots not yet `responded`). */
  readonly maxInFlight: number;
  /**
   * Claimed items that have `responded` but are still settling, allowed on top of
   * maxInFlight before claiming stops (bounds the settle backlog). Default 0.
   */
  readonly settleBacklog?: number;
  /** While anything is in flight, claim only when at least this many slots are free. Default 1. */
  readonly minClaim?: number;
  /** Background context of the claim loop (`job-claim`, `webhook-claim`). */
  readonly claimContext: BackgroundContext;
  /** Claims up to `limit` due items for this instance under a fresh lease. */
  claim(limit: number): Promise<T[]>;
  /** Background context of one item's run (`job`, `webhook-delivery`); errors that escape it are reported with it. */
  contextOf(item: T): BackgroundContext;
  /** Runs the item and settles it while the lease is held. */
  run(item: T, control: RunControl): Promise<void>;
  /** Gives an unfinished item back at shutdown (due now, lease cleared) so another instance takes it at once. */
  release(item: T, startedAt: Date): Promise<void>;
  /**
   * Asked only after a claim came back empty, so the engine can arm one timer instead of
   * polling. `inMs`: in how many ms the next pending item becomes due (a retry's backoff, a
   * delayed job, a lease that expires), by the database's clock (so clock skew between hosts
   * cannot make the timer early); null when none is due later. `cameDue`: an item came due
   * in the last `lookbackMs` (while the claim ran), so the claim may have missed it. An item
   * due before that and not taken is held by something else (a per-key predecessor, an
   * endpoint's in-flight limit) whose settle wakes a worker. Optional: without it the queue
   * relies on NOTIFY and the poll tick alone.
   */
  nextDue?(lookbackMs: number): Promise<NextDue>;
  /** An error that escaped `run`; when absent (or it returns false) it is reported as unexpected. */
  runFailed?(err: unknown, item: T): boolean;
}
