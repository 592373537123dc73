import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventBus, HUB_EVENTS, type HubEventMap, type HubEventType } from '../../events/index.js';
import type { AttemptRecord, ClaimedDelivery } from './delivery-queue.repository.js';

/** The operational events deliveries publish (warnings), in the settle's transaction. */
@Injectable()
export class DeliveryEvents {
  constructor(private readonly bus: EventBus) {}

  /** The delivery's last scheduled attempt failed: it will not be tried again by itself. */
  async deliveryExhausted(m: EntityManager, d: ClaimedDelivery, a: AttemptRecord): Promise<void> {
    await this.warn(m, HUB_EVENTS.webhookDeliveryExhausted, d.id, {
      deliveryId: d.id,
      endpointId: d.endpointId,
      eventType: d.eventType,
      attempts: a.attemptNumber,
      lastStatusCode: a.statusCode,
      lastError: a.error,
    });
  }

  async endpointDisabled(m: EntityManager, d: ClaimedDelivery, reason: string): Promise<void> {
    await this.warn(m, HUB_EVENTS.webhookEndpointDisabled, d.endpointId, {
      endpointId: d.endpointId,
      url: d.url,
      reason,
    });
  }

  private async warn<K extends HubEventType>(
    m: EntityManager,
    type: K,
    subject: string,
    data: HubEventMap[K],
  ): Promise<void> {
    await this.bus.emit(
      { type, source: 'webhooks', subject, severity: 'warning', origin: 'webhooks', data },
      m,
    );
  }
}
