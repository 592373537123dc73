import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { decodeCursor, PageQueryDto, paginate } from '../../common/http/pagination.js';
import { DeliveryService } from '../../webhooks/index.js';
import type { FiringDto, FiringPageDto, TriggerStatsDto } from '../dto/trigger.dto.js';
import { TriggerEntity } from '../trigger.entity.js';
import { TriggersException } from '../triggers.exception.js';
import { TRIGGERS_OWNER } from '../triggers.service.js';
import { FiringRepository, FiringRow } from './firing.repository.js';

/** A trigger's history (each match, its outcome and its delivery's state now) and stats. */
@Injectable()
export class FiringsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly firings: FiringRepository,
    @InjectRepository(TriggerEntity) private readonly triggers: Repository<TriggerEntity>,
    private readonly deliveries: DeliveryService,
  ) {}

  async history(triggerId: string, q: PageQueryDto): Promise<FiringPageDto> {
    await this.assertExists(triggerId);
    const limit = q.limit ?? 100;
    const before = q.cursor ? decodeCursor<{ seq: string }>(q.cursor, { seq: 'int64' }).seq : null;
    const rows = await this.firings.page(this.dataSource.manager, triggerId, before, limit + 1);
    const states = await this.deliveries.deliveryStates(
      TRIGGERS_OWNER,
      rows.slice(0, limit).flatMap((r) => (r.deliveryId ? [r.deliveryId] : [])),
    );
    return paginate(
      rows,
      limit,
      (last) => ({ seq: last.seq }),
      (r): FiringDto => toDto(r, r.deliveryId ? states.get(r.deliveryId) : undefined),
    );
  }

  async stats(triggerId: string): Promise<TriggerStatsDto> {
    await this.assertExists(triggerId);
    const s = await this.firings.stats(this.dataSource.manager, triggerId);
    const by = { fired: 0, suppressed: 0, silenced: 0, undeliverable: 0 };
    for (const c of s.counts) by[c.outcome] = c.n;
    return {
      matches: by.fired + by.suppressed + by.silenced + by.undeliverable,
      fires: by.fired,
      suppressed: by.suppressed,
      silenced: by.silenced,
      failures: s.deliveryFailures + by.undeliverable,
      lastFiredAt: s.lastFiredAt ? new Date(s.lastFiredAt).toISOString() : null,
      lastError: s.lastError,
    };
  }

  private async assertExists(id: string): Promise<void> {
    if (!(await this.triggers.existsBy({ id }))) throw TriggersException.notFound(id);
  }
}

function toDto(
  r: FiringRow,
  d:
    | {
        id: string;
        status: string;
        attemptCount: number;
        lastStatusCode: number | null;
        lastError: string | null;
        nextAttemptAt: Date | string | null;
      }
    | undefined,
): FiringDto {
  return {
    id: r.seq,
    eventId: r.eventId,
    eventType: r.eventType,
    outcome: r.outcome,
    group: r.groupKey,
    silenceId: r.silenceId,
    error: r.error ?? r.deliveryError,
    delivery: d
      ? {
          id: d.id,
          status: d.status,
          attemptCount: d.attemptCount,
          lastStatusCode: d.lastStatusCode,
          lastError: d.lastError,
          nextAttemptAt: d.nextAttemptAt ? new Date(d.nextAttemptAt).toISOString() : null,
        }
      : null,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}
