import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface FailingBinding {
  id: string;
  userId: string;
  calendarUrl: string;
  displayName: string | null;
  /** The first run of the current streak of failed runs (from the sync log). */
  failingSince: string | null;
  lastErrorAt: string | null;
  lastError: string;
}

/**
 * For the operator console: enabled bindings whose last run failed (`last_sync_error` is set
 * by a failed run and cleared by a clean one), longest failing first.
 */
@Injectable()
export class FailingBindingsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(limit: number): Promise<FailingBinding[]> {
    // Raw: the streak's start reads the binding's sync log backwards to its last clean run
    // (calendar_sync_log_binding_idx), over a capped set of bindings.
    const rows: {
      id: string;
      user_id: string;
      calendar_url: string;
      display_name: string | null;
      since: Date | null;
      last_sync_at: Date | null;
      last_sync_error: string;
    }[] = await this.db.query(
      `SELECT b.id::text AS id, b.user_id, b.calendar_url, b.display_name, b.last_sync_at, b.last_sync_error,
         (SELECT min(l.started_at) FROM calendar_sync_log l
           WHERE l.binding_id = b.id AND l.id > COALESCE((SELECT c.id FROM calendar_sync_log c
             WHERE c.binding_id = b.id AND c.errors = 0
             ORDER BY c.id DESC LIMIT 1), 0)) AS since
       FROM calendar_bindings b
       WHERE b.enabled AND b.last_sync_error IS NOT NULL
       ORDER BY b.last_sync_at NULLS LAST, b.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      calendarUrl: r.calendar_url,
      displayName: r.display_name,
      failingSince: iso(r.since),
      lastErrorAt: iso(r.last_sync_at),
      lastError: r.last_sync_error,
    }));
  }
}

function iso(d: Date | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}
