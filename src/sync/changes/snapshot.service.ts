import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  decodeCursor as decodePageCursor,
  encodeCursor as encodePageCursor,
} from '../../common/http/pagination.js';
import { ClientPosition, encodeCursor, isLogId, isPosition, Position } from '../cursor.js';
import type { SnapshotQueryDto } from '../dto/queries.dto.js';
import type { SnapshotResponseDto } from '../dto/responses.dto.js';
import { SyncLogIdentity } from '../log/log-identity.js';
import { isAlive, RecordState, visibleFields } from '../merge.js';
import { SyncException } from '../sync.exception.js';
import { PAGE_LIMIT, refuseCursor } from './sync-read.service.js';

/**
 * Where the next page starts; space '' for "all spaces" (cursor values are strings). `log`:
 * the change log of the first page's position (absent in tokens of the format before logs
 * had ids).
 */
type LegacyPageToken = {
  app: string;
  table: string;
  space: string;
  after: string;
  tx: string;
  seq: string;
};
type PageToken = LegacyPageToken & { log: string };

const TOKEN_FIELDS = {
  app: 'text',
  table: 'text',
  space: 'text',
  after: 'text',
  tx: 'text',
  seq: 'text',
} as const;

/**
 * The current state of one table as a user sees it, paged by record id. Every page answers
 * the syncedUntil of the first page: the watermark taken in the same statement as its read,
 * so every change not reflected in the pages is at or after it and a pull from there
 * delivers it (changes already reflected merge again harmlessly).
 */
@Injectable()
export class SnapshotService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly identity: SyncLogIdentity,
  ) {}

  async snapshot(appId: string, userId: string, q: SnapshotQueryDto): Promise<SnapshotResponseDto> {
    const token = q.since ? this.decode(appId, q, q.since) : null;
    const limit = q.limit ?? PAGE_LIMIT;
    await this.identity.ensureCurrent();
    const rows: {
      xmin: string;
      log: string;
      legacy: boolean;
      id: string | null;
      ownerId: string;
      spaceId: string | null;
      fields: RecordState['fields'];
      insertedAt: string | null;
      deletedAt: string | null;
    }[] = await this.dataSource.query(
      `WITH w AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin,
                         (SELECT i.log_id FROM sync_log_identity i) AS log,
                         (SELECT i.legacy_cursors FROM sync_log_identity i) AS legacy)
       SELECT w.xmin::text AS xmin, w.log, w.legacy, r.record_id AS id, r.owner_id AS "ownerId", r.space_id AS "spaceId", r.fields,
              to_char(r.inserted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "insertedAt",
              to_char(r.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "deletedAt"
       FROM w LEFT JOIN LATERAL (
         SELECT sr.* FROM sync_records sr
         WHERE sr.app_id = $1 AND sr.table_name = $2 AND sr.record_id > $3
           AND ((sr.space_id IS NULL AND sr.owner_id = $4)
                OR sr.space_id IN (SELECT sm.space_id FROM sync_space_members sm WHERE sm.user_id = $4))
           AND ($5::uuid IS NULL OR sr.space_id = $5)
         ORDER BY sr.record_id
         LIMIT $6
       ) r ON true
       ORDER BY r.record_id`,
      [appId, q.collection, token?.after ?? '', userId, q.spaceId ?? null, limit + 1],
    );
    const { xmin, log, legacy } = rows[0];
    // The token's position becomes syncedUntil: the same rules as for any cursor.
    const refusal = token && refuseCursor('since', token, { xmin, log, legacy, horizon: null });
    if (refusal) throw refusal;
    const found = rows.filter((r) => r.id !== null);
    const hasMore = found.length > limit;
    const page = found.slice(0, limit);
    const start: Position = token ? { tx: token.tx, seq: token.seq } : { tx: xmin, seq: '0' };
    const last = page[page.length - 1];
    return {
      records: page.map((r) => ({
        table: q.collection,
        id: r.id!,
        spaceId: r.spaceId,
        ownerId: r.ownerId,
        fields: visibleFields(r as RecordState),
        insertedAt: r.insertedAt,
        deletedAt: r.deletedAt,
        deleted: !isAlive(r),
      })),
      hasMore,
      next: hasMore
        ? encodePageCursor({
            app: appId,
            table: q.collection,
            space: q.spaceId ?? '',
            after: last.id!,
            tx: start.tx,
            seq: start.seq,
            log,
          } satisfies PageToken)
        : null,
      syncedUntil: encodeCursor(appId, log, start),
    };
  }

  private decode(
    appId: string,
    q: SnapshotQueryDto,
    since: string,
  ): LegacyPageToken & ClientPosition & { log: string | null } {
    const invalid = () =>
      SyncException.invalidCursor(
        'since',
        'is not a snapshot page token for this collection (use `next` of the previous page)',
      );
    let t: LegacyPageToken;
    let log: string | null;
    try {
      const current = decodePageCursor<PageToken>(since, { ...TOKEN_FIELDS, log: 'text' });
      ({ log, ...t } = current);
    } catch {
      try {
        t = decodePageCursor<LegacyPageToken>(since, TOKEN_FIELDS);
        log = null;
      } catch {
        throw invalid();
      }
    }
    if (
      t.app !== appId ||
      t.table !== q.collection ||
      t.space !== (q.spaceId ?? '') ||
      !isPosition(t) ||
      (log !== null && !isLogId(log))
    )
      throw invalid();
    return { ...t, log };
  }
}
