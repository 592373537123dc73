import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { syncConfig } from '../../config/sync.config.js';
import {
  ClientPosition,
  comparePositions,
  decodeCursor,
  encodeCursor,
  ORIGIN,
  Position,
} from '../cursor.js';
import type { ResyncDto } from '../dto/responses.dto.js';
import { SyncLogIdentity } from '../log/log-identity.js';
import { looksLikeTimestamp, sinceInstant } from '../since-time.js';
import { SyncException } from '../sync.exception.js';
import { ChangeLogRepository, LogHead, LogRow } from './change-log.repository.js';

export const PAGE_LIMIT = 1000;

export interface ChangesPage {
  /** Each change as JSON text (see LogRow.json). */
  changes: string[];
  /** The rows themselves, for a stream's per-table events. */
  rows: LogRow[];
  resync: ResyncDto[];
  syncedUntil: string;
  hasMore: boolean;
  /** The decoded syncedUntil, for callers that keep reading. */
  position: Position;
  /** The log it belongs to. */
  log: string;
  /** The app answers pulls in mana-sync's shape too. */
  manaSyncPull: boolean;
}

/**
 * Why a client's position cannot be read from, or nothing: a cursor of another log (a
 * restored or moved database), one past the head (never issued here), or one below the
 * compaction horizon. Each is a 410 reset. A position without `log` (no cursor sent) is the
 * start of this log.
 */
export function refuseCursor(
  field: string,
  p: ClientPosition,
  head: Pick<LogHead, 'log' | 'legacy' | 'xmin' | 'horizon'>,
): SyncException | undefined {
  if (p.log !== undefined && (p.log === null ? !head.legacy : p.log !== head.log))
    return SyncException.cursorOfAnotherLog(field);
  if (comparePositions(p, { tx: head.xmin, seq: '0' }) > 0) return SyncException.cursorAhead(field);
  if (head.horizon && comparePositions(p, head.horizon) < 0) return SyncException.cursorExpired();
  return undefined;
}

/** Cursor checks and the user-visible reads shared by push, pull and stream backlogs. */
@Injectable()
export class SyncReadService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: ChangeLogRepository,
    readonly identity: SyncLogIdentity,
    @Inject(syncConfig.KEY) readonly config: ConfigType<typeof syncConfig>,
  ) {}

  /**
   * The position a client's `since` stands for (the start of the log when absent), or 400
   * for anything we did not issue and that is not an RFC 3339 time. Whether this log can
   * serve it (410) is checked by the read itself, against the head taken in the same
   * statement.
   */
  async resolveSince(
    appId: string,
    since: string | undefined,
    field = 'since',
    m: EntityManager = this.dataSource.manager,
  ): Promise<ClientPosition> {
    if (since === undefined || since === '') return ORIGIN;
    // mana-sync's cursors were times: mapped to a position at or before that time, of this
    // log (one extra indexed read, only for such a cursor).
    if (looksLikeTimestamp(since)) {
      const at = sinceInstant(since);
      if (!at)
        throw SyncException.invalidCursor(
          field,
          'is neither a cursor issued by this server nor an RFC 3339 date-time with an offset',
        );
      return this.log.positionAt(m, at);
    }
    const decoded = decodeCursor(appId, since);
    if (typeof decoded === 'string') throw SyncException.invalidCursor(field, decoded);
    return decoded;
  }

  /** For a stream, which must answer 410 before it sends its headers; returns the log id. */
  async assertReadable(appId: string, position: ClientPosition, field: string): Promise<string> {
    const head = await this.log.head(this.dataSource.manager, appId);
    const refusal = refuseCursor(field, position, head);
    if (refusal) throw refusal;
    return head.log;
  }

  async changesSince(
    m: EntityManager,
    appId: string,
    userId: string,
    tables: string[] | null,
    after: ClientPosition,
    options: {
      /** The field the cursor came in, for the 410's detail. */
      field?: string;
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
    const refusal = refuseCursor(options.field ?? 'since', after, page.head);
    if (refusal) throw refusal;
    return {
      changes: page.rows.map((r) => r.json),
      rows: page.rows,
      resync: this.joinedSince(
        options.memberships ?? (await this.log.memberships(m, appId, userId)),
        after,
      ),
      syncedUntil: encodeCursor(appId, page.head.log, page.next),
      hasMore: page.hasMore,
      position: page.next,
      log: page.head.log,
      manaSyncPull: page.head.manaSyncPull,
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
    await this.identity.ensureCurrent();
    const after = await this.resolveSince(appId, q.since);
    const page = await this.changesSince(m, appId, userId, [q.collection], after, {
      excludeClientId: clientId,
      limit: q.limit ?? PAGE_LIMIT,
    });
    const rest = { resync: page.resync, syncedUntil: page.syncedUntil, hasMore: page.hasMore };
    // mana-sync's pull answer names the list serverChanges (as a push answer does here).
    return page.manaSyncPull
      ? withChanges(['changes', 'serverChanges'], page.changes, { conflicts: [], ...rest })
      : withChanges('changes', page.changes, rest);
  }
}

/** `{"<key>":[...changes],...rest}` built from JSON texts, without parsing them. */
export function withChanges(key: string | string[], changes: string[], rest: object): string {
  const list = `[${changes.join(',')}]`;
  const head = (typeof key === 'string' ? [key] : key).map((k) => `"${k}":${list}`).join(',');
  const tail = JSON.stringify(rest);
  return `{${head}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}
