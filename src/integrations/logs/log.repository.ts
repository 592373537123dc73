import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import type { LogOperation } from '../kinds/connector.js';

export interface LogEntry {
  integrationId: string;
  eventType: string | null;
  cardId: string | null;
  operation: LogOperation;
  httpStatus: number | null;
  durationMs: number | null;
  error: string | null;
}

export interface LogRow extends LogEntry {
  id: string;
  createdAt: Date;
}

export interface LogFilter {
  cardId?: string;
  /** `ok`: 2xx answers; `error`: everything else. */
  status?: 'ok' | 'error';
  since?: Date;
  /** Rows with a smaller id (the cursor). */
  before?: string;
  limit: number;
}

/** One row per remote call (and per fault no call could fix): the admin's audit of a sync. */
@Injectable()
export class LogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async add(e: LogEntry): Promise<void> {
    // Raw: an append-only audit row per remote call, no entity for it.
    await this.db.query(
      `INSERT INTO integration_logs (integration_id, event_type, card_id, operation, http_status, duration_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        e.integrationId,
        e.eventType,
        e.cardId,
        e.operation,
        e.httpStatus,
        e.durationMs,
        // Peer text: one NUL would fail the insert and lose the row.
        e.error === null ? null : storableText(e.error.slice(0, 2000)),
      ],
    );
  }

  /**
   * Records that the creation cutoff left a card out, once per card while the row is kept
   * (INTEGRATION_LOGS_RETENTION), so an old board's traffic does not flood the log. Written in
   * the dispatch consumer's transaction; the partial index integration_logs_cutoff_idx makes
   * the check one index probe.
   */
  async addCutoff(
    m: EntityManager,
    e: { integrationId: string; cardId: string; eventType: string; message: string },
  ): Promise<void> {
    // Raw: an insert guarded by NOT EXISTS in one statement (the consumer is the only writer).
    await m.query(
      `INSERT INTO integration_logs (integration_id, event_type, card_id, operation, error)
       SELECT $1, $2, $3, 'cutoff', $4
        WHERE NOT EXISTS (SELECT 1 FROM integration_logs
                           WHERE integration_id = $1 AND card_id = $3 AND operation = 'cutoff')`,
      [e.integrationId, e.eventType, e.cardId, storableText(e.message.slice(0, 2000))],
    );
  }

  /** The cutoff row of a card, if the log still holds one. */
  async cutoffOf(integrationId: string, cardId: string): Promise<string | undefined> {
    // Raw: one probe of the partial index on cutoff rows.
    const rows: { error: string }[] = await this.db.query(
      `SELECT error FROM integration_logs
        WHERE integration_id = $1 AND card_id = $2 AND operation = 'cutoff' LIMIT 1`,
      [integrationId, cardId],
    );
    return rows[0]?.error;
  }

  /** Newest first. Orders by `l.id`: the bare `id` would be the text output column ('9' > '10'). */
  list(integrationId: string, f: LogFilter): Promise<LogRow[]> {
    // Raw: a cursor read (id below the cursor) with optional filters, one statement.
    return this.db.query(
      `SELECT id::text, integration_id AS "integrationId", event_type AS "eventType", card_id AS "cardId",
              operation, http_status AS "httpStatus", duration_ms AS "durationMs", error, created_at AS "createdAt"
         FROM integration_logs l
        WHERE integration_id = $1
          AND ($2::text IS NULL OR card_id = $2)
          AND ($3::text IS NULL OR ($3 = 'ok') = (error IS NULL AND http_status BETWEEN 200 AND 299))
          AND ($4::timestamptz IS NULL OR created_at >= $4)
          AND ($5::bigint IS NULL OR id < $5)
        ORDER BY l.id DESC LIMIT $6`,
      [
        integrationId,
        f.cardId ?? null,
        f.status ?? null,
        f.since ?? null,
        f.before ?? null,
        f.limit + 1,
      ],
    );
  }
}
