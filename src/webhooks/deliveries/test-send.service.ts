import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeliveryHistoryRepository } from './delivery-history.repository.js';
import { DeliveryInsertRepository } from './delivery-inserts.repository.js';
import { DeliveryQueueRepository } from './delivery-queue.repository.js';
import { DeliverySender } from './delivery-sender.js';
import { DeliverySettler } from './delivery-settler.js';
import type { AttemptDto } from './dto/delivery.dto.js';
import { INSTANCE_ID } from './instance-id.js';

/**
 * Test sends (an operator's test button, for an endpoint or a module's target): one message
 * sent now, outside the queue, recorded like any delivery with one attempt, then succeeded
 * or failed, never retried.
 */
@Injectable()
export class TestSendService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inserts: DeliveryInsertRepository,
    private readonly queue: DeliveryQueueRepository,
    private readonly history: DeliveryHistoryRepository,
    private readonly sender: DeliverySender,
    private readonly settler: DeliverySettler,
  ) {}

  /** Sends `payload` to the endpoint now and answers the attempt. */
  async send(endpointId: string, eventType: string, payload: string): Promise<AttemptDto> {
    const m = this.dataSource.manager;
    // Leased to this instance from the start, so no worker claims it meanwhile.
    const id = await this.inserts.insertOne(m, endpointId, eventType, payload, {
      lockedBy: INSTANCE_ID,
      leaseSeconds: 60,
    });
    const claimed = await this.queue.loadClaimed(m, id);
    await this.settler.settle(claimed, await this.sender.send(claimed), false);
    return (await this.history.attempts(m, id)).at(-1)!;
  }
}
