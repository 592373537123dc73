import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inBackground } from '../../common/errors/background-context.js';
import { UnexpectedErrors } from '../../common/errors/unexpected-errors.service.js';
import { FailureLog } from '../../common/logging/failure-log.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { isDatabaseUnavailable } from '../../database/connectivity-error.js';
import { PgListener } from '../../database/pg-listener.js';
import { DeliveryAttemptService, INSTANCE_ID } from './delivery-attempt.service.js';
import { ClaimedDelivery, DELIVERIES_CHANNEL, DeliveryRepository } from './delivery.repository.js';

/**
 * Claims due deliveries and sends them, up to WEBHOOK_MAX_IN_FLIGHT requests at once on this
 * instance. Woken by NOTIFY (new or requeued deliveries) and by a timer (retries coming due).
 *
 * A slot is freed as soon as the response is in; writing the outcome happens after (batched
 * for successes), so database latency does not cap the request rate. The lease stays until
 * the outcome is written, so the per-endpoint limit still counts those deliveries.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly claimFailures = new FailureLog(this.logger, 'claiming deliveries');
  /** Requests on the wire (bounded by maxInFlight). */
  private readonly sending = new Set<object>();
  /** Every claimed delivery not yet settled, for shutdown and to bound the settle backlog. */
  private readonly running = new Set<Promise<void>>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private claiming = false;
  private again = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private refill?: NodeJS.Immediate;
  private readonly wake = () => void inBackground({ context: 'webhook-claim' }, () => this.fill());

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryRepository,
    private readonly attempts: DeliveryAttemptService,
    private readonly listener: PgListener,
    private readonly errors: UnexpectedErrors,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.listen(DELIVERIES_CHANNEL, this.wake);
    this.timer = setInterval(this.wake, this.config.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Stop claiming, let in-flight attempts finish (the app's shutdown timeout bounds this). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.listener.unlisten(DELIVERIES_CHANNEL, this.wake);
    await Promise.allSettled([...this.running]);
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.again = false;
        const busy = Math.max(this.sending.size, this.running.size - 3 * this.config.maxInFlight);
        const free = this.config.maxInFlight - busy;
        // Claim in chunks: one claim query per finished delivery would cost more than the send.
        if (free <= 0 || (busy > 0 && free < Math.ceil(this.config.maxInFlight / 4))) break;
        // Long enough for one attempt (the timeout) plus settling, short enough that the
        // deliveries of a crashed instance come back soon.
        const leaseSeconds = Math.ceil((2 * this.config.timeoutMs) / 1000) + 5;
        const claimed = await this.repo.claim(
          this.dataSource.manager,
          free,
          this.config.maxInFlightPerEndpoint,
          leaseSeconds,
          INSTANCE_ID,
        );
        this.claimFailures.succeeded();
        for (const d of claimed) this.start(d);
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.claimFailures.failed(err);
    } finally {
      this.claiming = false;
    }
  }

  private start(d: ClaimedDelivery): void {
    const slot = {};
    this.sending.add(slot);
    // Errors that escape (even from a socket event) are reported with this context; the
    // delivery keeps its lease until it expires and is then retried.
    const ctx = { context: 'webhook-delivery', deliveryId: d.id, endpointId: d.endpointId };
    const run = inBackground(ctx, () => this.process(d, () => this.free(slot)))
      .catch((err: unknown) =>
        isDatabaseUnavailable(err)
          ? this.logger.warn(
              `delivery ${d.id} not settled, database unavailable (${(err as Error).message}); its lease will expire and it will be retried`,
            )
          : this.errors.report(err, ctx),
      )
      .finally(() => {
        this.running.delete(run);
        // Settled: the lease is gone, so the endpoint's limit has room again.
        this.free(slot);
        this.scheduleRefill();
      });
    this.running.add(run);
  }

  private free(slot: object): void {
    if (this.sending.delete(slot)) this.scheduleRefill();
  }

  private scheduleRefill(): void {
    this.refill ??= setImmediate(() => {
      this.refill = undefined;
      this.wake();
    });
  }

  private async process(d: ClaimedDelivery, responded: () => void): Promise<void> {
    const waitMs = this.takeToken(d.endpointId, d.rateLimitPerSecond);
    if (waitMs > 0) {
      await this.repo.release(this.dataSource.manager, d.id, INSTANCE_ID, waitMs);
      return;
    }
    const sent = await this.attempts.send(d);
    responded();
    await this.attempts.settle(d, sent);
  }

  /** Token bucket per endpoint (per instance): 0 when a request may go now, else ms to wait. */
  private takeToken(endpointId: string, perSecond: number | null): number {
    if (!perSecond) return 0;
    const now = Date.now();
    const bucket = this.buckets.get(endpointId) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }
}
