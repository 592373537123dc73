import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EndpointService } from '../endpoints/endpoint.service.js';
import { WebhooksException } from '../webhooks.exception.js';
import { DeliveryAttemptService, INSTANCE_ID } from './delivery-attempt.service.js';
import { DELIVERIES_CHANNEL, DeliveryRepository } from './delivery.repository.js';
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
    private readonly repo: DeliveryRepository,
    private readonly endpoints: EndpointService,
    private readonly attempts: DeliveryAttemptService,
  ) {}

  async list(q: ListDeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.repo.page(
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
    const delivery = await this.repo.findOne(m, id);
    if (!delivery) throw WebhooksException.deliveryNotFound(id);
    return { ...delivery, attempts: await this.repo.attempts(m, id) };
  }

  async retry(id: string): Promise<DeliveryDetailDto> {
    await this.dataSource.transaction(async (m) => {
      if (!(await this.repo.retryNow(m, id))) throw WebhooksException.deliveryNotFound(id);
      await this.wakeWorkers(m);
    });
    return this.get(id);
  }

  async recover(endpointId: string, since: Date): Promise<number> {
    await this.endpoints.find(endpointId);
    return this.dataSource.transaction(async (m) => {
      const n = await this.repo.recover(m, endpointId, since);
      await this.wakeWorkers(m);
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
      const result = await this.repo.replay(m, endpointId, filter);
      await this.wakeWorkers(m);
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
    const id = await this.repo.insertOne(this.dataSource.manager, endpointId, eventType, payload, {
      lockedBy: INSTANCE_ID,
      leaseSeconds: 60,
    });
    const claimed = await this.repo.loadClaimed(this.dataSource.manager, id);
    await this.attempts.attempt(claimed, { retry: false });
    return (await this.repo.attempts(this.dataSource.manager, id)).at(-1)!;
  }

  async stats(endpointId: string): Promise<EndpointStatsDto> {
    await this.endpoints.find(endpointId);
    const { counts, latency, lastError } = await this.repo.stats(
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

  private async wakeWorkers(m: { query: DataSource['query'] }): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, '']);
  }
}
