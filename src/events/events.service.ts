import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ArtifactStore } from '../artifacts/index.js';
import { decodeCursor, paginate } from '../common/http/pagination.js';
import { ConsumerStateRepository } from './consumers/consumer-state.repository.js';
import { EventConsumersService } from './consumers/event-consumers.service.js';
import { ConsumerDto, ConsumerFailureDto } from './dto/consumer.dto.js';
import { EventDto, EventPageDto } from './dto/event.dto.js';
import { ListEventsQueryDto } from './dto/list-events.query.js';
import { PublishEventDto, PublishResultDto } from './dto/publish-event.dto.js';
import { EVENTS_APPENDED, EventBus } from './event-bus.js';
import { EventLogRepository } from './event-log.repository.js';
import { EventsException } from './events.exception.js';
import { compileEventTypes } from './event-type-filter.js';
import { IdempotencyService } from './idempotency.service.js';

/** The /events API: publishing from outside, browsing the log, watching consumers. */
@Injectable()
export class EventsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: EventBus,
    private readonly log: EventLogRepository,
    private readonly idempotency: IdempotencyService,
    private readonly consumers: EventConsumersService,
    private readonly consumerState: ConsumerStateRepository,
    private readonly emitter: EventEmitter2,
    private readonly artifacts: ArtifactStore,
  ) {}

  /**
   * Durable before it returns: the events and the idempotency record commit together. The
   * artifacts the events name (`data.artifacts`) are checked in the same transaction, and only
   * when the events are stored (a repeated Idempotency-Key answers as the first time did).
   */
  async publish(
    events: PublishEventDto[],
    principalId: string,
    idempotencyKey?: string,
    rawBody?: unknown,
  ): Promise<PublishResultDto> {
    const result = await this.dataSource.transaction(async (m) => {
      const work = async () => {
        await this.artifacts.requireReferenced(
          m,
          events.map((e) => e.data),
          Array.isArray(rawBody),
        );
        return { ids: await this.bus.publish(events, m) };
      };
      if (!idempotencyKey) return work();
      return (await this.idempotency.run(m, principalId, idempotencyKey, rawBody, 202, work))
        .response;
    });
    this.emitter.emit(EVENTS_APPENDED);
    return result;
  }

  async list(q: ListEventsQueryDto): Promise<EventPageDto> {
    const limit = q.limit ?? 100;
    const beforeId = q.cursor
      ? decodeCursor<{ before: string }>(q.cursor, { before: 'int64' }).before
      : undefined;
    const rows = await this.log.list(this.dataSource.manager, {
      types: q.type ? compileEventTypes([q.type]) : undefined,
      source: q.source,
      sinceId: q.sinceId,
      since: q.since ? new Date(q.since) : undefined,
      beforeId,
      limit: limit + 1,
    });
    return paginate(rows, limit, (last) => ({ before: last.id }), EventDto.from);
  }

  async listConsumers(): Promise<ConsumerDto[]> {
    const m = this.dataSource.manager;
    const [rows, poison] = await Promise.all([
      this.consumerState.listAll(m),
      this.consumerState.countFailures(m),
    ]);
    return Promise.all(
      rows.map(async (r) => ({
        name: r.name,
        registered: this.consumers.isRegistered(r.name),
        cursorEventId: r.cursorEventId,
        lag: await this.log.countAfter(m, { tx: r.cursorTx, id: r.cursorEventId }),
        processedCount: Number(r.processedCount),
        poisonCount: poison.get(r.name) ?? 0,
        failingEventId: r.failingEventId,
        attempts: r.attempts,
        retryAt: r.retryAt,
        lastError: r.lastError,
        lastErrorAt: r.lastErrorAt,
        updatedAt: r.updatedAt,
        holdsLogSince: r.holdsLogSince,
      })),
    );
  }

  async listFailures(name: string): Promise<ConsumerFailureDto[]> {
    const all = await this.consumerState.listAll(this.dataSource.manager);
    if (!all.some((c) => c.name === name)) throw EventsException.consumerNotFound(name);
    return this.consumerState.listFailures(this.dataSource.manager, name, 100);
  }
}
