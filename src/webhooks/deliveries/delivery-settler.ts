import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { nextAttemptDelayMs } from '../../common/retry/retry-schedule.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { ClaimedDelivery, DeliveryQueueRepository } from './delivery-queue.repository.js';
import { DeliveryEvents } from './delivery-events.js';
import type { SentAttempt } from './delivery-sender.js';
import { EndpointHealth } from './endpoint-health.js';
import { INSTANCE_ID } from './instance-id.js';
import { SuccessBatcher } from './success-batcher.js';
import { WebhookMetrics } from './webhook-metrics.js';

/**
 * Writes what an attempt came to: the attempt row and the delivery's next state, only while
 * this instance still holds the lease. Successes go through SuccessBatcher; a failure is one
 * transaction with the endpoint's failure streak (maybe disabling it) and the operational
 * events.
 */
@Injectable()
export class DeliverySettler {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: DeliveryQueueRepository,
    private readonly successes: SuccessBatcher,
    private readonly health: EndpointHealth,
    private readonly events: DeliveryEvents,
    private readonly metrics: WebhookMetrics,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /** `retry: false` (test sends): failed at once instead of scheduled again. */
  async settle(d: ClaimedDelivery, sent: SentAttempt, retry = true): Promise<void> {
    const { record: a, retryAfterMs } = sent;
    const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
    // A message's URL answering 410 Gone is gone for good: no more attempts (an endpoint is
    // disabled instead, below).
    const gone = d.messageId !== null && a.statusCode === 410;
    const delay =
      ok || !retry || gone
        ? undefined
        : nextAttemptDelayMs(this.config.retrySchedule, a.attemptNumber, retryAfterMs);
    const status = ok ? 'succeeded' : delay !== undefined ? 'pending' : 'failed';
    // Deliveries of the hub's own webhook.* events publish no events about themselves.
    const operational = d.eventType.startsWith('webhook.');
    if (ok) {
      await this.successes.settle(a, d.lease);
      this.metrics.countAttempt('succeeded', a.durationMs);
      return;
    }
    await this.dataSource.transaction(async (m) => {
      await this.queue.recordAttempt(m, a);
      const settled = await this.queue.settle(m, d, INSTANCE_ID, {
        status,
        nextAttemptInMs: delay,
        statusCode: a.statusCode,
        error: a.error,
      });
      if (!settled) return; // our lease expired and another worker owns the delivery now
      // A message's lane stands for every message to its origin: one job's URL failing, or
      // answering 410, must not stop the others, so lanes keep no failure streak.
      if (d.messageId === null) {
        const disabledFor = await this.health.recordFailure(m, d.endpointId, a.statusCode);
        if (disabledFor !== undefined && !operational)
          await this.events.endpointDisabled(m, d, disabledFor);
      }
      if (
        status === 'failed' &&
        retry &&
        a.attemptNumber === this.config.retrySchedule.length + 1 &&
        !operational
      )
        await this.events.deliveryExhausted(m, d, a);
    });
    this.metrics.countAttempt(status === 'pending' ? 'retrying' : status, a.durationMs);
  }
}
