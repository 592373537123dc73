import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, type HubEvent } from '../../events/index.js';
import { DeliveryInsertRepository } from './delivery-inserts.repository.js';
import { wakeDeliveryWorkers } from './delivery-wake-up.js';

/**
 * Turns events into delivery rows, one per matching enabled endpoint, in the same
 * transaction that advances this consumer's cursor: a crash replays, never loses.
 */
@Injectable()
@EventConsumer({ name: 'webhooks.fan-out', batchSize: 500 })
export class FanOutConsumer implements EventHandler {
  constructor(private readonly inserts: DeliveryInsertRepository) {}

  async handle(events: HubEvent[], manager: EntityManager): Promise<void> {
    const created = await this.inserts.fanOut(
      manager,
      events.map((e) => e.id),
    );
    if (created > 0) await wakeDeliveryWorkers(manager);
  }
}
