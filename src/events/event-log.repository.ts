import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { HubEvent, NewEvent } from './event.types.js';

// Aliases shadow column names in ORDER BY, so queries order by the qualified columns
// (e.tx, e.id): ordering by the text aliases would put '1000' before '999'.
const COLUMNS = `e.id::text AS id, e.tx::text AS tx, e.type, e.source, e.subject, e.data, e.severity, e.origin,
  e.occurred_at AS "occurredAt", e.created_at AS "createdAt"`;

export interface EventFilter {
  /** A compiled type filter (see compileEventTypes). */
  types?: { exact: string[]; patterns: string[] };
  source?: string;
  sinceId?: string;
  since?: Date;
  beforeId?: string;
  limit: number;
}

/** A consumer's filter, compiled for SQL (see compileEventTypes). `exact: null`: every type. */
export interface ConsumerFilter {
  exact: string[] | null;
  patterns: string[];
  ignoreOrigins: string[];
}

const NO_FILTER: ConsumerFilter = { exact: null, patterns: [], ignoreOrigins: [] };

export interface LogPosition {
  tx: string;
  id: string;
}

/** SQL over the `events` table: the durable log of the bus. */
@Injectable()
export class EventLogRepository {
  /** Appends in the given transaction; one multi-row INSERT, ids returned in input order. */
  async append(manager: EntityManager, events: NewEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows: unknown[] = [];
    const values = events.map((e, i) => {
      const p = i * 7;
      rows.push(
        e.type,
        e.source,
        e.subject ?? null,
        JSON.stringify(e.data ?? {}),
        e.severity ?? 'info',
        e.origin ?? null,
        e.occurredAt ? new Date(e.occurredAt) : new Date(),
      );
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::jsonb, $${p + 5}, $${p + 6}, $${p + 7})`;
    });
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO events (type, source, subject, data, severity, origin, occurred_at)
       VALUES ${values.join(', ')} RETURNING id::text AS id`,
      rows,
    );
    return inserted.map((r) => r.id);
  }

  /**
   * The next events after `after` in log order (tx, id), but only from transactions older
   * than `watermark` (the oldest transaction still running when the caller's snapshot was
   * taken). Every such transaction has finished, so nothing can later commit below the
   * returned rows: a cursor advanced to the last one never skips an event.
   *
   * With a filter, `limit` rows are scanned and only the matching ones come back with data;
   * `scannedTo` is the last row scanned, so the cursor moves past events nobody wants.
   */
  async readAfter(
    manager: EntityManager,
    after: LogPosition,
    watermark: string,
    limit: number,
    filter: ConsumerFilter = NO_FILTER,
  ): Promise<{ events: HubEvent[]; scannedTo?: LogPosition }> {
    const rows: (HubEvent & { wanted: boolean })[] = await manager.query(
      `WITH scanned AS (
         SELECT e.* FROM events e
         WHERE (e.tx, e.id) > ($1::xid8, $2::bigint) AND e.tx < $3::xid8
         ORDER BY e.tx, e.id LIMIT $4
       ), marked AS (
         SELECT e.*, (($5::text[] IS NULL OR e.type = ANY($5::text[]) OR e.type LIKE ANY($6::text[]))
           AND (e.origin IS NULL OR NOT (e.origin = ANY($7::text[])))) AS wanted
         FROM scanned e
       )
       SELECT e.id::text AS id, e.tx::text AS tx, e.wanted,
         CASE WHEN e.wanted THEN e.type END AS type, e.source, e.subject,
         CASE WHEN e.wanted THEN e.data END AS data, e.severity, e.origin,
         e.occurred_at AS "occurredAt", e.created_at AS "createdAt"
       FROM marked e ORDER BY e.tx, e.id`,
      [after.tx, after.id, watermark, limit, filter.exact, filter.patterns, filter.ignoreOrigins],
    );
    const last = rows[rows.length - 1];
    return {
      events: rows.filter((r) => r.wanted).map(({ wanted: _w, ...event }) => event),
      scannedTo: last && { tx: last.tx, id: last.id },
    };
  }

  async hasAnyAfter(manager: EntityManager, after: LogPosition): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM events WHERE (tx, id) > ($1::xid8, $2::bigint) LIMIT 1`,
      [after.tx, after.id],
    );
    return rows.length > 0;
  }

  async countAfter(manager: EntityManager, after: LogPosition): Promise<number> {
    const [row]: { n: string }[] = await manager.query(
      `SELECT count(*)::text AS n FROM events WHERE (tx, id) > ($1::xid8, $2::bigint)`,
      [after.tx, after.id],
    );
    return Number(row.n);
  }

  /** Newest first, keyset-paginated by id (for the operator API, not for consumers). */
  list(manager: EntityManager, f: EventFilter): Promise<HubEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.types) {
      // LIKE's default escape character is the backslash compileEventTypes escapes with.
      params.push(f.types.exact, f.types.patterns);
      where.push(
        `(e.type = ANY($${params.length - 1}::text[]) OR e.type LIKE ANY($${params.length}::text[]))`,
      );
    }
    if (f.source) add('e.source = ?', f.source);
    if (f.sinceId) add('e.id > ?::bigint', f.sinceId);
    if (f.since) add('e.occurred_at >= ?', f.since);
    if (f.beforeId) add('e.id < ?::bigint', f.beforeId);
    params.push(f.limit);
    return manager.query(
      `SELECT ${COLUMNS} FROM events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
