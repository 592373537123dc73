import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import { JobsService } from '../../jobs/index.js';
import { CARD_SYNC_QUEUE, cardJobKey } from '../dispatch/card-sync.queue.js';
import {
  IntegrationCardDto,
  IntegrationLogPageDto,
  ResyncResultDto,
} from '../dto/integration.dto.js';
import { ListLogsQueryDto } from '../dto/integration-requests.dto.js';
import { IntegrationConfigService } from '../integration-config.js';
import { IntegrationEntity } from '../integration.entity.js';
import { IntegrationsException } from '../integrations.exception.js';
import { LogRepository } from '../logs/log.repository.js';
import { CardRepository } from './card.repository.js';

/** The operator's view of one integration: its log, a card's link and state, a resync. */
@Injectable()
export class IntegrationCardsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(IntegrationEntity)
    private readonly integrations: Repository<IntegrationEntity>,
    private readonly cards: CardRepository,
    private readonly logs: LogRepository,
    private readonly jobs: JobsService,
    private readonly configs: IntegrationConfigService,
  ) {}

  async logsOf(id: string, q: ListLogsQueryDto): Promise<IntegrationLogPageDto> {
    await this.integration(id);
    const limit = q.limit ?? 100;
    const before = q.cursor
      ? decodeCursor<{ id: string }>(q.cursor, { id: 'int64' }).id
      : undefined;
    const rows = await this.logs.list(id, {
      cardId: q.cardId,
      status: q.status,
      since: q.since ? new Date(q.since) : undefined,
      before,
      limit,
    });
    return paginate(
      rows,
      limit,
      (r) => ({ id: r.id }),
      (r) => ({
        id: r.id,
        eventType: r.eventType,
        cardId: r.cardId,
        operation: r.operation,
        httpStatus: r.httpStatus,
        durationMs: r.durationMs,
        error: r.error,
        createdAt: r.createdAt.toISOString(),
      }),
    );
  }

  async card(id: string, cardId: string): Promise<IntegrationCardDto> {
    const integration = await this.integration(id);
    const row = await this.cards.find(id, cardId);
    if (!row)
      throw IntegrationsException.cardNotFound(id, cardId, await this.logs.cutoffOf(id, cardId));
    const opened = this.configs.open(integration);
    return {
      cardId: row.cardId,
      remoteKey: row.remoteKey,
      remoteUrl:
        row.remoteKey && opened.config
          ? this.configs.connector(integration.kind).issueUrl(opened.config, row.remoteKey)
          : null,
      title: row.title,
      column: row.column,
      tags: row.tags,
      deleted: row.deleted,
      lastSyncedAt: row.lastSyncedAt?.toISOString() ?? null,
      lastError: row.lastError,
      pendingComments: row.pendingComments,
    };
  }

  /** Sends the card's whole state again (fields, status, link), through the card's queue. */
  async resync(id: string, cardId: string): Promise<ResyncResultDto> {
    await this.integration(id);
    return this.db.transaction(async (m) => {
      if (!(await this.cards.forgetSynced(m, id, cardId)))
        throw IntegrationsException.cardNotFound(id, cardId, await this.logs.cutoffOf(id, cardId));
      const key = cardJobKey(id, cardId);
      return {
        jobId: await this.jobs.enqueue(
          CARD_SYNC_QUEUE,
          { integrationId: id, cardId },
          { key, dedupeKey: key },
          m,
        ),
      };
    });
  }

  private async integration(id: string): Promise<IntegrationEntity> {
    const row = await this.integrations.findOneBy({ id });
    if (!row) throw IntegrationsException.notFound(id);
    return row;
  }
}
