import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LogPosition } from '../event-log.repository.js';

export interface ConsumerState extends LogPosition {
  isolateUntil: LogPosition | null;
  failingEventId: string | null;
  attempts: number;
  retryInMs: number;
}

export interface ConsumerRow {
  name: string;
  cursorTx: string;
  cursorEventId: string;
  processedCount: string;
  failingEventId: string | null;
  attempts: number;
  retryAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  updatedAt: Date;
  /** When the oldest event the consumer has not passed was logged (null: caught up). */
  holdsLogSince: Date | null;
}

/**
 * When the first event after consumer `c`'s cursor (log order, events_tx_id_idx) was logged:
 * storage maintenance keeps every event from there on, whatever its retention.
 */
const HELD_SINCE = `SELECT e.created_at FROM events e
  WHERE (e.tx, e.id) > (c.cursor_tx, c.cursor_event_id) ORDER BY e.tx, e.id LIMIT 1`;

/** SQL over `event_consumers` (one row per consumer: cursor and retry state). */
@Injectable()
export class ConsumerStateRepository {
  async ensure(
    manager: EntityManager,
    name: string,
    startFrom: 'beginning' | 'now',
  ): Promise<void> {
    await manager.query(
      startFrom === 'now'
        ? `INSERT INTO event_consumers (name, cursor_tx) VALUES ($1, pg_snapshot_xmin(pg_current_snapshot())) ON CONFLICT DO NOTHING`
        : `INSERT INTO event_consumers (name) VALUES ($1) ON CONFLICT DO NOTHING`,
      [name],
    );
  }

  /**
   * Locks the consumer's row for this transaction, or returns undefined when another
   * instance holds it: that is what keeps one consumer on one instance at a time.
   */
  async lock(manager: EntityManager, name: string): Promise<ConsumerState | undefined> {
    const rows: {
      tx: string;
      id: string;
      itx: string | null;
      iid: string | null;
      failing: string | null;
      attempts: number;
      retry_in_ms: number;
    }[] = await manager.query(
      `SELECT cursor_tx::text AS tx, cursor_event_id::text AS id, isolate_until_tx::text AS itx,
              isolate_until_id::text AS iid, failing_event_id::text AS failing, attempts,
              GREATEST(0, CEIL(EXTRACT(EPOCH FROM (retry_at - clock_timestamp())) * 1000))::int AS retry_in_ms
       FROM event_consumers WHERE name = $1 FOR UPDATE SKIP LOCKED`,
      [name],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      tx: r.tx,
      id: r.id,
      isolateUntil: r.itx && r.iid ? { tx: r.itx, id: r.iid } : null,
      failingEventId: r.failing,
      attempts: r.attempts,
      retryInMs: r.retry_in_ms ?? 0,
    };
  }

  async advance(
    manager: EntityManager,
    name: string,
    to: LogPosition,
    processed: number,
    keepIsolating: boolean,
  ): Promise<void> {
    await manager.query(
      `UPDATE event_consumers SET cursor_tx = $2::xid8, cursor_event_id = $3::bigint,
         processed_count = processed_count + $4, failing_event_id = NULL, attempts = 0, retry_at = NULL,
         isolate_until_tx = CASE WHEN $5 THEN isolate_until_tx END,
         isolate_until_id = CASE WHEN $5 THEN isolate_until_id END, updated_at = now()
       WHERE name = $1`,
      [name, to.tx, to.id, processed, keepIsolating],
    );
  }

  async isolate(
    manager: EntityManager,
    name: string,
    until: LogPosition,
    error: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE event_consumers SET isolate_until_tx = $2::xid8, isolate_until_id = $3::bigint,
         last_error = $4, last_error_at = now(), updated_at = now() WHERE name = $1`,
      [name, until.tx, until.id, error],
    );
  }

  async scheduleRetry(
    manager: EntityManager,
    name: string,
    eventId: string,
    attempts: number,
    delayMs: number,
    error: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE event_consumers SET failing_event_id = $2::bigint, attempts = $3,
         retry_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000),
         last_error = $5, last_error_at = now(), updated_at = now() WHERE name = $1`,
      [name, eventId, attempts, delayMs, error],
    );
  }

  /** Records a poison event; the caller then advances the cursor past it. */
  async recordPoison(
    manager: EntityManager,
    name: string,
    eventId: string,
    attempts: number,
    error: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO event_consumer_failures (consumer, event_id, attempts, error) VALUES ($1, $2::bigint, $3, $4)`,
      [name, eventId, attempts, error],
    );
    await manager.query(
      `UPDATE event_consumers SET last_error = $2, last_error_at = now() WHERE name = $1`,
      [name, error],
    );
  }

  listAll(manager: EntityManager): Promise<ConsumerRow[]> {
    return manager.query(
      `SELECT name, cursor_tx::text AS "cursorTx", cursor_event_id::text AS "cursorEventId",
              processed_count::text AS "processedCount", failing_event_id::text AS "failingEventId", attempts,
              retry_at AS "retryAt", last_error AS "lastError", last_error_at AS "lastErrorAt", updated_at AS "updatedAt",
              (${HELD_SINCE}) AS "holdsLogSince"
       FROM event_consumers c ORDER BY name`,
    );
  }

  /** Per consumer, how many seconds back it holds the bus log (0: caught up). */
  heldSeconds(manager: EntityManager): Promise<{ name: string; seconds: number }[]> {
    return manager.query(
      `SELECT name, COALESCE(EXTRACT(EPOCH FROM now() - (${HELD_SINCE})), 0)::float8 AS seconds
       FROM event_consumers c`,
    );
  }

  listFailures(manager: EntityManager, name: string, limit: number) {
    return manager.query(
      `SELECT id::text AS id, event_id::text AS "eventId", attempts, error, created_at AS "createdAt"
       FROM event_consumer_failures f WHERE consumer = $1 ORDER BY f.id DESC LIMIT $2`,
      [name, limit],
    ) as Promise<
      { id: string; eventId: string; attempts: number; error: string; createdAt: Date }[]
    >;
  }

  async countFailures(manager: EntityManager): Promise<Map<string, number>> {
    const rows: { consumer: string; n: string }[] = await manager.query(
      `SELECT consumer, count(*)::text AS n FROM event_consumer_failures GROUP BY consumer`,
    );
    return new Map(rows.map((r) => [r.consumer, Number(r.n)]));
  }
}
