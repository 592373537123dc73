import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { inBackground } from '../../common/errors/background-context.js';
import { FailureLog } from '../../common/logging/failure-log.js';
import { armTimeout, disarmTimeout } from '../../common/ticks.js';
import type { EventsConfig } from '../../config/index.js';
import { ConsumerFilter, EventLogRepository, LogPosition } from '../event-log.repository.js';
import type { EventLogIdentity } from '../event-log-identity.js';
import { compileEventTypes } from '../event-type-filter.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { ConsumerState, ConsumerStateRepository } from './consumer-state.repository.js';
import type { EventConsumerOptions, EventHandler } from './event-consumer.decorator.js';

type Step = { kind: 'progress' } | { kind: 'idle' } | { kind: 'wait'; ms: number };

/**
 * A step that found events held back re-checks this soon, the next delays after each
 * re-check that still found them held. An event is held back while any transaction older
 * than its own is open, whatever that transaction does (a claim, a settle, a push), and such
 * a transaction ends with no NOTIFY; under load that is most of the time, for a millisecond
 * or two. A fixed 25 ms re-check put 25 ms into most deliveries' latency at 2,000 events/s
 * (docs/performance.md, round three); the short first steps keep a stuck transaction from
 * costing more than a few queries.
 */
const WATERMARK_RECHECKS_MS = [2, 5, 10, 25];
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * Drives one consumer: drains its backlog batch by batch whenever woken (NOTIFY, in-process
 * publish, timer), then sleeps until the next wake-up or the catch-up timer: a timeout
 * registered as `events.consumer.<name>` with the SchedulerRegistry, re-armed after each
 * drain (a retry delay or watermark re-check, at most EVENT_CONSUMER_POLL_MS).
 */
export class ConsumerLoop {
  private readonly logger: Logger;
  private readonly failures: FailureLog;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Re-checks in a row that found events held back (see WATERMARK_RECHECKS_MS). */
  private heldBack = 0;
  private readonly timerName: string;
  private readonly filter: ConsumerFilter;

  constructor(
    readonly options: Required<EventConsumerOptions>,
    private readonly handler: EventHandler,
    private readonly dataSource: DataSource,
    private readonly log: EventLogRepository,
    private readonly state: ConsumerStateRepository,
    private readonly config: EventsConfig,
    private readonly ticks: SchedulerRegistry,
    private readonly metrics?: ConsumerMetrics,
    private readonly identity?: EventLogIdentity,
  ) {
    this.logger = new Logger(`Consumer:${options.name}`);
    this.timerName = `events.consumer.${options.name}`;
    const types = options.types.length ? compileEventTypes(options.types) : undefined;
    this.filter = {
      exact: types ? types.exact : null,
      patterns: types ? types.patterns : [],
      ignoreOrigins: options.ignoreOrigins,
    };
    this.failures = new FailureLog(this.logger, 'consumer step');
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = inBackground({ context: 'event-consumer', consumer: this.options.name }, () =>
      this.drain(),
    ).finally(() => (this.running = undefined));
  }

  /** Stops taking batches and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    disarmTimeout(this.ticks, this.timerName);
    await this.running;
  }

  private async drain(): Promise<void> {
    let next: Step;
    do {
      this.again = false;
      do {
        try {
          next = await this.step();
          this.failures.succeeded();
        } catch (err) {
          // The bus's own bookkeeping failed (database down?): back off, the timer retries.
          this.failures.failed(err);
          next = { kind: 'wait', ms: this.config.pollMs };
        }
      } while (next.kind === 'progress' && !this.stopped);
    } while (this.again && !this.stopped);
    this.arm(next.kind === 'wait' ? next.ms : this.config.pollMs);
  }

  private arm(ms: number): void {
    if (this.stopped) return disarmTimeout(this.ticks, this.timerName);
    armTimeout(this.ticks, this.timerName, () => this.wake(), Math.min(ms, this.config.pollMs));
  }

  private async step(): Promise<Step> {
    // A database restored or moved under a running app is re-stamped before any cursor moves
    // (a cached check, outside the batch's transaction, which would hold the cursor rows).
    await this.identity?.ensureCurrent();
    return this.dataSource.transaction(async (m) => {
      // First statement, before this transaction has an xid of its own.
      const [{ watermark }]: { watermark: string }[] = await m.query(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS watermark',
      );
      const state = await this.state.lock(m, this.options.name);
      if (!state) return { kind: 'wait', ms: Math.min(250, this.config.pollMs) };
      if (state.retryInMs > 0) return { kind: 'wait', ms: state.retryInMs };

      const isolating = state.isolateUntil !== null && before(state, state.isolateUntil);
      const { events, scannedTo } = await this.log.readAfter(
        m,
        state,
        watermark,
        isolating ? 1 : this.options.batchSize,
        this.filter,
      );
      if (!scannedTo) {
        if (!(await this.log.hasAnyAfter(m, state))) {
          this.heldBack = 0;
          return { kind: 'idle' };
        }
        const ms = WATERMARK_RECHECKS_MS[Math.min(this.heldBack, WATERMARK_RECHECKS_MS.length - 1)];
        this.heldBack++;
        return { kind: 'wait', ms };
      }
      this.heldBack = 0;

      if (events.length > 0) {
        await m.query('SAVEPOINT consumer_batch');
        const started = performance.now();
        try {
          await this.handler.handle(events, m);
          await m.query('RELEASE SAVEPOINT consumer_batch');
        } catch (err) {
          await m.query('ROLLBACK TO SAVEPOINT consumer_batch');
          return this.onFailure(m, state, events, err);
        } finally {
          this.timed(performance.now() - started, events.length);
        }
      }
      // Past the events the filter skipped too, so they are never read again.
      const last = scannedTo;
      await this.state.advance(
        m,
        this.options.name,
        last,
        events.length,
        isolating && before(last, state.isolateUntil!),
      );
      return { kind: 'progress' };
    });
  }

  /**
   * A handler runs inside the transaction that advances the cursor, and every reader's
   * watermark is the oldest open transaction: a slow batch holds back every consumer and
   * every sync pull. Handlers only write rows; network work goes to jobs.
   */
  private timed(ms: number, count: number): void {
    this.metrics?.batchSeconds.observe({ consumer: this.options.name }, ms / 1000);
    if (ms < this.config.slowBatchMs) return;
    this.logger.warn(
      `batch of ${count} events took ${Math.round(ms)} ms (over ${this.config.slowBatchMs} ms): ` +
        'the open transaction holds back every consumer and sync pull; move network work to jobs',
    );
  }

  private async onFailure(
    m: EntityManager,
    state: ConsumerState,
    events: { id: string; tx: string }[],
    err: unknown,
  ): Promise<Step> {
    const name = this.options.name;
    const message = describe(err);
    if (events.length > 1) {
      // Find the culprit: replay this batch one event at a time, so good events commit and
      // only the bad one is retried and, if it keeps failing, recorded as poison.
      await this.state.isolate(m, name, events[events.length - 1], message);
      this.logger.warn(
        `batch of ${events.length} failed (${message}); retrying one event at a time`,
      );
      return { kind: 'progress' };
    }
    const event = events[0];
    const attempts = (state.failingEventId === event.id ? state.attempts : 0) + 1;
    if (attempts >= this.config.maxAttempts) {
      await this.state.recordPoison(m, name, event.id, attempts, message);
      const stillIsolating = state.isolateUntil !== null && before(event, state.isolateUntil);
      await this.state.advance(m, name, event, 0, stillIsolating);
      this.logger.error(
        `event ${event.id} failed ${attempts} times and was recorded as poison: ${message}`,
      );
      return { kind: 'progress' };
    }
    const delay = backoff(this.config.retryBaseMs, attempts);
    await this.state.scheduleRetry(m, name, event.id, attempts, delay, message);
    this.logger.warn(
      `event ${event.id} failed (attempt ${attempts}/${this.config.maxAttempts}), retrying in ${delay} ms: ${message}`,
    );
    return { kind: 'wait', ms: delay };
  }
}

function before(a: LogPosition, b: LogPosition): boolean {
  const [atx, btx] = [BigInt(a.tx), BigInt(b.tx)];
  return atx < btx || (atx === btx && BigInt(a.id) < BigInt(b.id));
}

/** Exponential back-off with ±20% jitter, capped at 5 minutes. */
export function backoff(baseMs: number, attempt: number): number {
  const raw = Math.min(baseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

function describe(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000);
}
