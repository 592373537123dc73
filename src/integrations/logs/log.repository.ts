import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import type { Operation } from '../kinds/connector.js';

export interface LogEntry {
  integrationId: string;
  eventType: string | null;
  cardId: string | null;
  operation: Operation;
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
