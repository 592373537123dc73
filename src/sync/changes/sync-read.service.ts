import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { syncConfig } from '../../config/sync.config.js';
import { comparePositions, decodeCursor, encodeCursor, ORIGIN, Position } from '../cursor.js';
import type { ResyncDto } from '../dto/responses.dto.js';
import { SyncException } from '../sync.exception.js';
import { ChangeLogRepository } from './change-log.repository.js';

export const PAGE_LIMIT = 1000;

export interface ChangesPage {
  /** Each change as JSON text (see LogRow.json). */
  changes: string[];
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

  /**
   * The position a client's `since` stands for (the start of the log when absent), or 400
   * for anything we did not issue. Whether it is below the compaction horizon (410) is
   * checked by the read itself, in the same statement.
   */
  resolveSince(appId: string, since: string | undefined, field = 'since'): Position {
    if (since === undefined || since === '') return ORIGIN;
    const decoded = decodeCursor(appId, since);
    if (typeof decoded === 'string') throw SyncException.invalidCursor(field, decoded);
    return decoded;
  }

  /** For a stream, which must answer 410 before it sends its headers. */
  async assertNotCompacted(appId: string, position: Position): Promise<void> {
    const horizon = await this.log.horizon(this.dataSource.manager, appId);
    if (horizon && comparePositions(position, horizon) < 0) throw SyncException.cursorExpired();
  }

  async changesSince(
    m: EntityManager,
    appId: string,
    userId: string,
    tables: string[] | null,
    after: Position,
    options: {
      excludeClientId?: string;
      limit?: number;
      upTo?: Position;
      /** Already loaded by the caller (a push); else read here. */
      memberships?: { spaceId: string; addedTx: string }[];
    } = {},
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
    if (page.horizon && comparePositions(after, page.horizon) < 0)
      throw SyncException.cursorExpired();
    return {
      changes: page.rows.map((r) => r.json),
      resync: this.joinedSince(
        options.memberships ?? (await this.log.memberships(m, appId, userId)),
        after,
      ),
      syncedUntil: encodeCursor(appId, page.next),
      hasMore: page.hasMore,
      position: page.next,
    };
  }

  /**
   * Spaces the user joined after `after`: their earlier records are not in the delta the
   * client is about to read, so it must load the space's snapshot.
   */
  private joinedSince(
    spaces: { spaceId: string; addedTx: string }[],
    after: Position,
  ): ResyncDto[] {
    if (comparePositions(after, ORIGIN) === 0) return [];
    return spaces
      .filter((s) => BigInt(s.addedTx) >= BigInt(after.tx))
      .map((s) => ({ spaceId: s.spaceId, reason: 'joined' as const }));
  }

  /** The answer as JSON text (changes spliced in as stored). */
  async pull(
    appId: string,
    userId: string,
    q: { collection: string; since?: string; limit?: number },
    clientId?: string,
  ): Promise<string> {
    const m = this.dataSource.manager;
    const after = this.resolveSince(appId, q.since);
    const page = await this.changesSince(m, appId, userId, [q.collection], after, {
      excludeClientId: clientId,
      limit: q.limit ?? PAGE_LIMIT,
    });
    return withChanges('changes', page.changes, {
      resync: page.resync,
      syncedUntil: page.syncedUntil,
      hasMore: page.hasMore,
    });
  }
}

/** `{"<key>":[...changes],...rest}` built from JSON texts, without parsing them. */
export function withChanges(key: string, changes: string[], rest: object): string {
  const tail = JSON.stringify(rest);
  return `{"${key}":[${changes.join(',')}]${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}
