import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, type HubEvent } from '../../events/index.js';
import { DELIVERIES_CHANNEL, DeliveryRepository } from './delivery.repository.js';

/**
 * Turns events into delivery rows, one per matching enabled endpoint, in the same
 * transaction that advances this consumer's cursor: a crash replays, never loses.
 */
@Injectable()
@EventConsumer({ name: 'webhooks.fan-out', batchSize: 500 })
export class FanOutConsumer implements EventHandler {
  constructor(private readonly repo: DeliveryRepository) {}

  async handle(events: HubEvent[], manager: EntityManager): Promise<void> {
    const created = await this.repo.fanOut(
      manager,
      events.map((e) => e.id),
    );
    if (created > 0) await manager.query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, '']);
  }
}
