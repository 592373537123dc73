import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EndpointService } from '../endpoints/endpoint.service.js';
import { WebhooksException } from '../webhooks.exception.js';
import { DeliveryHistoryRepository } from './delivery-history.repository.js';
import { DeliveryInsertRepository } from './delivery-inserts.repository.js';
import { DeliveryQueueRepository } from './delivery-queue.repository.js';
import { wakeDeliveryWorkers } from './delivery-wake-up.js';
import { TestSendService } from './test-send.service.js';
import {
  AttemptDto,
  DeliveryDetailDto,
  DeliveryPageDto,
  EndpointStatsDto,
  ListDeliveriesQueryDto,
  ReplayResultDto,
} from './dto/delivery.dto.js';

/** The operator API over deliveries: browse, retry, recover, replay, test, stats. */
@Injectable()
export class DeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly history: DeliveryHistoryRepository,
    private readonly queue: DeliveryQueueRepository,
    private readonly inserts: DeliveryInsertRepository,
    private readonly endpoints: EndpointService,
    private readonly testSends: TestSendService,
  ) {}

  async list(q: ListDeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.history.page(
      this.dataSource.manager,
      {
        owner: null,
        endpointId: q.endpointId,
        status: q.status,
        eventType: q.eventType,
        since: q.since ? new Date(q.since) : undefined,
      },
      q.cursor,
      q.limit ?? 100,
    );
  }

  async get(id: string): Promise<DeliveryDetailDto> {
    const m = this.dataSource.manager;
    const delivery = await this.history.findOne(m, id);
    if (!delivery) throw WebhooksException.deliveryNotFound(id);
    return { ...delivery, attempts: await this.history.attempts(m, id) };
  }

  async retry(id: string): Promise<DeliveryDetailDto> {
    await this.dataSource.transaction(async (m) => {
      if (!(await this.queue.retryNow(m, id))) throw WebhooksException.deliveryNotFound(id);
      await wakeDeliveryWorkers(m);
    });
    return this.get(id);
  }

  async recover(endpointId: string, since: Date): Promise<number> {
    await this.endpoints.find(endpointId);
    return this.dataSource.transaction(async (m) => {
      const n = await this.queue.recover(m, endpointId, since);
      await wakeDeliveryWorkers(m);
      return n;
    });
  }

  async replay(
    endpointId: string,
    filter: { since?: Date; eventIds?: string[] },
  ): Promise<ReplayResultDto> {
    if (!filter.since === !filter.eventIds)
      throw WebhooksException.invalidReplay('give exactly one of since or eventIds');
    await this.endpoints.find(endpointId);
    return this.dataSource.transaction(async (m) => {
      const result = await this.inserts.replay(m, endpointId, filter);
      await wakeDeliveryWorkers(m);
      return result;
    });
  }

  /** Sends a signed sample now, outside the queue, and returns the attempt. */
  async test(endpointId: string, eventType = 'webhook.test'): Promise<AttemptDto> {
    await this.endpoints.find(endpointId);
    const payload = JSON.stringify({
      type: eventType,
      timestamp: new Date().toISOString(),
      data: { test: true, message: 'Test delivery from Integration Hub' },
    });
    return this.testSends.send(endpointId, eventType, payload);
  }

  async stats(endpointId: string): Promise<EndpointStatsDto> {
    await this.endpoints.find(endpointId);
    const { counts, latency, lastError } = await this.history.stats(
      this.dataSource.manager,
      endpointId,
    );
    const byStatus = { pending: 0, succeeded: 0, failed: 0 };
    for (const c of counts) byStatus[c.status] = c.n;
    const done = byStatus.succeeded + byStatus.failed;
    return {
      counts: byStatus,
      successRate: done ? byStatus.succeeded / done : null,
      p50Ms: latency.p50 === null ? null : Math.round(latency.p50),
      p95Ms: latency.p95 === null ? null : Math.round(latency.p95),
      lastError,
    };
  }
}
