import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BackgroundContext } from '../../common/errors/background-context.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { isDatabaseUnavailable } from '../../database/connectivity-error.js';
import {
  JobWorkersService,
  type LeasedQueue,
  type NextDue,
  type RunControl,
} from '../../jobs/index.js';
import { ClaimedDelivery, DeliveryQueueRepository } from './delivery-queue.repository.js';
import { DeliverySender } from './delivery-sender.js';
import { DeliverySettler } from './delivery-settler.js';
import { DELIVERIES_CHANNEL } from './delivery-wake-up.js';
import { EndpointTokenBuckets } from './endpoint-token-buckets.js';
import { INSTANCE_ID } from './instance-id.js';

/**
 * The webhook deliveries as a leased queue on the jobs layer's worker engine: the engine
 * claims, counts in-flight requests, wakes (NOTIFY on hub_webhook_deliveries, the webhook
 * poll timer) and drains at shutdown; this class keeps what is webhook-specific: the tuned
 * claim (per-endpoint fairness and in-flight limit), the per-endpoint rate limit, the send
 * and the settle (batched for successes).
 *
 * Up to WEBHOOK_MAX_IN_FLIGHT requests at once on this instance. A slot is freed as soon as
 * the response is in (`responded`); writing the outcome happens after, so database latency
 * does not cap the request rate. The lease stays until the outcome is written, so the
 * per-endpoint limit still counts those deliveries.
 */
@Injectable()
export class DeliveryQueue implements LeasedQueue<ClaimedDelivery>, OnModuleInit {
  private readonly logger = new Logger('WebhookDeliveryQueue');
  private readonly buckets = new EndpointTokenBuckets();
  readonly name = 'deliveries';
  readonly claimContext: BackgroundContext = { context: 'webhook-claim' };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: DeliveryQueueRepository,
    private readonly sender: DeliverySender,
    private readonly settler: DeliverySettler,
    private readonly workers: JobWorkersService,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  onModuleInit(): void {
    this.workers.register(this, { channel: DELIVERIES_CHANNEL, pollMs: this.config.pollMs });
  }

  get maxInFlight(): number {
    return this.config.maxInFlight;
  }

  /** Answered deliveries still settling may queue up to three times the request slots. */
  get settleBacklog(): number {
    return 3 * this.config.maxInFlight;
  }

  /** Claim in chunks: one claim query per finished delivery would cost more than the send. */
  get minClaim(): number {
    return Math.ceil(this.config.maxInFlight / 4);
  }

  claim(limit: number): Promise<ClaimedDelivery[]> {
    // Long enough for one attempt (the timeout) plus settling, short enough that the
    // deliveries of a crashed instance come back soon.
    const leaseSeconds = Math.ceil((2 * this.config.timeoutMs) / 1000) + 5;
    return this.repo.claim(
      this.dataSource.manager,
      limit,
      this.config.maxInFlightPerEndpoint,
      leaseSeconds,
      INSTANCE_ID,
    );
  }

  nextDue(lookbackMs: number): Promise<NextDue> {
    return this.repo.nextDue(this.dataSource.manager, lookbackMs);
  }

  contextOf(d: ClaimedDelivery): BackgroundContext {
    return { context: 'webhook-delivery', deliveryId: d.id, endpointId: d.endpointId };
  }

  async run(d: ClaimedDelivery, control: RunControl): Promise<void> {
    const waitMs = this.buckets.take(d.endpointId, d.rateLimitPerSecond);
    if (waitMs > 0) {
      await this.repo.release(this.dataSource.manager, d, INSTANCE_ID, waitMs);
      return;
    }
    const sent = await this.sender.send(d);
    control.responded();
    // Given back at shutdown while the request ran: another instance owns it now.
    if (control.signal.aborted) return;
    await this.settler.settle(d, sent);
  }

  /** Shutdown: due now, lease cleared, no attempt counted. */
  async release(d: ClaimedDelivery): Promise<void> {
    await this.repo.release(this.dataSource.manager, d, INSTANCE_ID, 0);
  }

  /** A database outage is expected to pass: the lease expires and the delivery is retried. */
  runFailed(err: unknown, d: ClaimedDelivery): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    this.logger.warn(
      `delivery ${d.id} not settled, database unavailable (${(err as Error).message}); its lease will expire and it will be retried`,
    );
    return true;
  }
}
