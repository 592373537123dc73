import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { syncConfig } from '../../config/sync.config.js';
import { comparePositions, decodeCursor, encodeCursor, ORIGIN, Position } from '../cursor.js';
import type { ResyncDto } from '../dto/responses.dto.js';
import type { WireChange } from '../merge.js';
import { SyncException } from '../sync.exception.js';
import { ChangeLogRepository } from './change-log.repository.js';

export const PAGE_LIMIT = 1000;

export interface ChangesPage {
  changes: WireChange[];
  resync: ResyncDto[];
  syncedUntil: string;
  hasMore: boolean;
  /** The decoded syncedUntil, for callers that keep reading. */
  position: Position;
}

/** Cursor checks and the user-visible reads shared by push, pull and stream backlogs. */
@Injectable()
export class SyncReadService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: ChangeLogRepository,
    @Inject(syncConfig.KEY) readonly config: ConfigType<typeof syncConfig>,
  ) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * The position a client's `since` stands for: 400 for anything we did not issue, 410
   * when the log below it was compacted (also for "from the beginning" once it was).
   */
  async resolveSince(
    m: EntityManager,
    appId: string,
    since: string | undefined,
    field = 'since',
  ): Promise<Position> {
    let position = ORIGIN;
    if (since !== undefined && since !== '') {
      const decoded = decodeCursor(appId, since);
      if (typeof decoded === 'string') throw SyncException.invalidCursor(field, decoded);
      position = decoded;
    }
    const horizon = await this.log.horizon(m, appId);
    if (horizon && comparePositions(position, horizon) < 0) throw SyncException.cursorExpired();
    return position;
  }

  async changesSince(
    m: EntityManager,
    appId: string,
    userId: string,
    tables: string[] | null,
    after: Position,
    options: { excludeClientId?: string; limit?: number; upTo?: Position } = {},
  ): Promise<ChangesPage> {
    const page = await this.log.page(m, {
      appId,
      tables,
      after,
      upTo: options.upTo,
      userId,
      excludeClientId: options.excludeClientId,
      limit: options.limit ?? PAGE_LIMIT,
    });
    // Compaction moves the horizon before it deletes: seeing the horizon still below our
    // start after the read proves nothing we should have read was deleted under us.
    const horizon = await this.log.horizon(m, appId);
    if (horizon && comparePositions(after, horizon) < 0) throw SyncException.cursorExpired();
    return {
      changes: page.rows.map((r) => r.body),
      resync: await this.joinedSince(m, appId, userId, after),
      syncedUntil: encodeCursor(appId, page.next),
      hasMore: page.hasMore,
      position: page.next,
    };
  }

  /**
   * Spaces the user joined after `after`: their earlier records are not in the delta the
   * client is about to read, so it must load the space's snapshot.
   */
  async joinedSince(
    m: EntityManager,
    appId: string,
    userId: string,
    after: Position,
  ): Promise<ResyncDto[]> {
    if (comparePositions(after, ORIGIN) === 0) return [];
    const spaces = await this.log.memberships(m, appId, userId);
    return spaces
      .filter((s) => BigInt(s.addedTx) >= BigInt(after.tx))
      .map((s) => ({ spaceId: s.spaceId, reason: 'joined' as const }));
  }

  async pull(
    appId: string,
    userId: string,
    q: { collection: string; since?: string; limit?: number },
    clientId?: string,
  ) {
    const m = this.dataSource.manager;
    const after = await this.resolveSince(m, appId, q.since);
    const { position: _p, ...page } = await this.changesSince(
      m,
      appId,
      userId,
      [q.collection],
      after,
      { excludeClientId: clientId, limit: q.limit ?? PAGE_LIMIT },
    );
    return page;
  }
}
