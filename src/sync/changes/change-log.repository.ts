import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PreparedStatement } from '../../database/prepared-statement.js';
import { comparePositions, ORIGIN, Position } from '../cursor.js';

export interface LogRow {
  tx: string;
  seq: string;
  table: string;
  ownerId: string;
  spaceId: string | null;
  clientId: string;
  /**
   * The change as JSON text, exactly as stored: answers are assembled from these strings,
   * so serving a change costs no parse and no re-serialisation.
   */
  json: string;
  /** Tail reads only: the space's members at read time (membership is never cached). */
  members?: string[] | null;
}

/** What a read needs to judge a client's cursor, taken in the statement of the read. */
export interface LogHead {
  /** The log's id (sync_log_identity): every cursor handed out carries it. */
  log: string;
  /** Whether cursors of the format before log ids belong to this log. */
  legacy: boolean;
  /** The app's setting: pulls also answer mana-sync's `serverChanges` (read here, no extra trip). */
  manaSyncPull: boolean;
  /** The watermark: no position handed out is past (xmin, 0). */
  xmin: string;
  /**
   * The compaction horizon as seen by the same statement. Compaction commits a new horizon
   * before it deletes, so if this is not above the read's start, nothing the read should
   * have returned was deleted.
   */
  horizon: Position | null;
}

/** The columns of a LogHead for app `$1`, as a CTE `w`. */
const HEAD = `WITH w AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin,
    (SELECT h.tx FROM sync_horizons h WHERE h.app_id = $1) AS htx,
    (SELECT h.seq FROM sync_horizons h WHERE h.app_id = $1) AS hseq,
    (SELECT i.log_id FROM sync_log_identity i) AS log,
    (SELECT i.legacy_cursors FROM sync_log_identity i) AS legacy,
    (SELECT s.mana_sync_pull FROM sync_app_settings s WHERE s.app_id = $1) AS msp)`;
const HEAD_COLUMNS = `w.xmin::text AS xmin, w.htx::text AS htx, w.hseq::text AS hseq, w.log, w.legacy, w.msp`;

interface HeadColumns {
  xmin: string;
  htx: string | null;
  hseq: string | null;
  log: string;
  legacy: boolean;
  msp: boolean | null;
}

function toHead({ xmin, htx, hseq, log, legacy, msp }: HeadColumns): LogHead {
  return {
    log,
    legacy,
    manaSyncPull: msp === true,
    xmin,
    horizon: htx !== null && hseq !== null ? { tx: htx, seq: hseq } : null,
  };
}

export interface LogPage {
  rows: LogRow[];
  hasMore: boolean;
  /** Where the next read starts: the last row when more is waiting, else the watermark. */
  next: Position;
  head: LogHead;
}

/**
 * What a push needs besides the records, as select-list columns for `$1` = app id and
 * `$2` = user id, so the push can fetch it in the statement that claims its eventIds.
 */
export const PUSH_CONTEXT_COLUMNS = `
  COALESCE((SELECT publish_tables FROM sync_app_settings WHERE app_id = $1), '{}') AS "publishTables",
  COALESCE((SELECT json_agg(json_build_object('spaceId', sm.space_id, 'addedTx', sm.added_tx::text))
            FROM sync_space_members sm JOIN sync_spaces s ON s.id = sm.space_id
            WHERE sm.user_id = $2 AND s.app_id = $1), '[]') AS memberships`;

export interface PushContext {
  memberships: { spaceId: string; addedTx: string }[];
  publishTables: string[];
}

export interface PageRequest {
  appId: string;
  /** null: every table (the stream tail). */
  tables: string[] | null;
  after: Position;
  /** Read no further than this position (a stream catching up to the tail). */
  upTo?: Position;
  /** Only what this user may see; null for the tail, which filters per stream. */
  userId: string | null;
  excludeClientId?: string;
  limit: number;
}

/** Conditions every read shares ($1 app, $2 tables or null, $3/$4 after, $5/$6 upTo, $8 client to leave out). */
const RANGE = `lc.app_id = $1
  AND ($2::text[] IS NULL OR lc.table_name = ANY($2::text[]))
  AND (lc.tx, lc.seq) > ($3::xid8, $4::bigint)
  AND lc.tx < w.xmin
  AND ($5::xid8 IS NULL OR (lc.tx, lc.seq) <= ($5::xid8, $6::bigint))
  AND ($8::text IS NULL OR lc.client_id <> $8)`;

/** The stream tail: every row of the app, in order (primary key). */
// ($7, the user, is null here; it is named so that every parameter has a type.)
const TAIL_ROWS = `SELECT lc.* FROM sync_changes lc WHERE ${RANGE} AND $7::text IS NULL
  ORDER BY lc.tx, lc.seq LIMIT $9`;

/**
 * What user $7 may see: their private rows, and the rows of each space they belong to, each
 * read in order from its own index and merged. The cost follows the user's own traffic, not
 * the whole app's.
 */
const USER_ROWS = `
  SELECT * FROM (
    (SELECT lc.* FROM sync_changes lc
     WHERE ${RANGE} AND lc.space_id IS NULL AND lc.owner_id = $7
     ORDER BY lc.tx, lc.seq LIMIT $9)
    UNION ALL
    (SELECT sc.* FROM sync_space_members sm
     CROSS JOIN LATERAL (
       SELECT lc.* FROM sync_changes lc
       WHERE ${RANGE} AND lc.space_id = sm.space_id
       ORDER BY lc.tx, lc.seq LIMIT $9) sc
     WHERE sm.user_id = $7)
  ) visible
  ORDER BY visible.tx, visible.seq LIMIT $9`;

/** A page of the log with its head: `$10` asks for each space row's members (the tail). */
const pageStatement = (label: string, rows: string) =>
  new PreparedStatement(
    label,
    `${HEAD}
         SELECT ${HEAD_COLUMNS}, c.tx::text AS tx, c.seq::text AS seq, c.table_name AS "table",
                c.owner_id AS "ownerId", c.space_id AS "spaceId", c.client_id AS "clientId", c.body::text AS json,
                CASE WHEN $10 AND c.space_id IS NOT NULL THEN
                  ARRAY(SELECT sm.user_id FROM sync_space_members sm WHERE sm.space_id = c.space_id)
                END AS members
         FROM w LEFT JOIN LATERAL (${rows}) c ON true
         ORDER BY c.tx, c.seq`,
  );
// Prepared once per connection (PreparedStatement): planning this read took longer than
// running it, in every push, pull and stream tail.
const TAIL_PAGE = pageStatement('sync.log.tail-page', TAIL_ROWS);
const USER_PAGE = pageStatement('sync.log.user-page', USER_ROWS);

/**
 * Reads of the change log in (tx, seq) order. Every read stops below the transaction-id
 * watermark `pg_snapshot_xmin(pg_current_snapshot())`, taken in the same statement: rows of
 * transactions still open (which may commit later with a lower position) are never passed,
 * so a cursor handed out never skips a change that commits afterwards.
 */
@Injectable()
export class ChangeLogRepository {
  async page(m: EntityManager, r: PageRequest): Promise<LogPage> {
    const rows: (Omit<LogRow, 'members'> &
      HeadColumns & {
        members: string[] | null;
      })[] = await (r.userId === null ? TAIL_PAGE : USER_PAGE).run(m, [
      r.appId,
      r.tables,
      r.after.tx,
      r.after.seq,
      r.upTo?.tx ?? null,
      r.upTo?.seq ?? null,
      r.userId,
      r.excludeClientId ?? null,
      r.limit + 1,
      r.userId === null,
    ]);
    const head = toHead(rows[0]);
    const found = rows.filter((row) => row.tx !== null);
    const hasMore = found.length > r.limit;
    const page = found
      .slice(0, r.limit)
      .map(({ xmin: _x, htx: _h, hseq: _s, log: _l, legacy: _g, msp: _m, members, ...row }) => ({
        ...row,
        ...(r.userId === null ? { members } : {}),
      }));
    let next: Position;
    if (hasMore) next = { tx: page[page.length - 1].tx, seq: page[page.length - 1].seq };
    else {
      // Everything below the watermark (and up to upTo) has been read.
      const watermark: Position = { tx: head.xmin, seq: '0' };
      next = r.upTo && comparePositions(r.upTo, watermark) < 0 ? r.upTo : watermark;
      if (comparePositions(next, r.after) < 0) next = r.after;
    }
    return { rows: page, hasMore, next, head };
  }

  /**
   * A position at or before instant `at` (an RFC 3339 `since`): the snapshot watermark of the
   * newest row, of any app, written at or before `at`. Whatever committed after `at` committed
   * after that row's snapshot, so its transaction was then open or not yet begun: its tx is at
   * or above the watermark, never below. The client may get changes again (from that row's
   * time, or longer ago if a transaction was open then), never miss one. No witness: the start
   * of the log (which answers 410 once this app's log has been compacted).
   */
  async positionAt(m: EntityManager, at: string): Promise<Position> {
    // Newest first along sync_changes_created_idx; rows from before the witness column skipped.
    const [row]: { tx: string }[] = await m.query(
      `SELECT c.snap_xmin::text AS tx FROM sync_changes c
       WHERE c.created_at <= $1::timestamptz AND c.snap_xmin IS NOT NULL
       ORDER BY c.created_at DESC LIMIT 1`,
      [at],
    );
    return row ? { tx: row.tx, seq: '0' } : ORIGIN;
  }

  /** The head alone: for a stream, which judges its cursor before it answers 200. */
  async head(m: EntityManager, appId: string): Promise<LogHead> {
    const [row]: HeadColumns[] = await m.query(`${HEAD} SELECT ${HEAD_COLUMNS} FROM w`, [appId]);
    return toHead(row);
  }

  /** The user's spaces in this app, with the position at which each membership was added. */
  async memberships(
    m: EntityManager,
    appId: string,
    userId: string,
  ): Promise<{ spaceId: string; addedTx: string }[]> {
    return m.query(
      `SELECT sm.space_id AS "spaceId", sm.added_tx::text AS "addedTx"
       FROM sync_space_members sm JOIN sync_spaces s ON s.id = sm.space_id
       WHERE sm.user_id = $1 AND s.app_id = $2`,
      [userId, appId],
    );
  }
}
