import { Injectable } from '@nestjs/common';
import { storableText } from '../../common/http/storable-text.js';
import type { EntityManager } from 'typeorm';

export interface SyncStats {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  remoteChanges: number;
  errors: number;
  firstError: string | null;
  fullResync: boolean;
}

export interface SyncLogRow extends SyncStats {
  id: string;
  bindingId: string | null;
  startedAt: Date;
  durationMs: number;
}

export const emptyStats = (): SyncStats => ({
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  remoteChanges: 0,
  errors: 0,
  firstError: null,
  fullResync: false,
});

/**
 * One row per binding run; rows outlive their binding (binding_id is then null). The error
 * text quotes the server, so it is made storable here, where no caller can forget it.
 */
@Injectable()
export class SyncLogRepository {
  async insert(
    m: EntityManager,
    bindingId: string,
    userId: string,
    startedAt: Date,
    durationMs: number,
    s: SyncStats,
  ): Promise<void> {
    await m.query(
      `INSERT INTO calendar_sync_log (binding_id, user_id, started_at, duration_ms, created, updated, deleted,
         unchanged, remote_changes, errors, first_error, full_resync)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        bindingId,
        userId,
        startedAt,
        durationMs,
        s.created,
        s.updated,
        s.deleted,
        s.unchanged,
        s.remoteChanges,
        s.errors,
        storableText(s.firstError?.slice(0, 2000) ?? null),
        s.fullResync,
      ],
    );
  }

  /** Newest first. Orders by `l.id`: the bare `id` would be the text output column ('9' > '10'). */
  list(m: EntityManager, bindingId: string, limit: number): Promise<SyncLogRow[]> {
    return m.query(
      `SELECT id::text, binding_id AS "bindingId", started_at AS "startedAt", duration_ms AS "durationMs",
         created, updated, deleted, unchanged, remote_changes AS "remoteChanges", errors,
         first_error AS "firstError", full_resync AS "fullResync"
       FROM calendar_sync_log l WHERE l.binding_id = $1 ORDER BY l.id DESC LIMIT $2`,
      [bindingId, limit],
    );
  }
}
