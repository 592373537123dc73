import { Injectable } from '@nestjs/common';
import { storableText } from '../../common/http/storable-text.js';
import type { EntityManager } from 'typeorm';
import type { ScopeKind } from '../appointments/scope.js';

export type ConflictPolicy = 'hub_wins' | 'report';

export interface BindingRow {
  id: string;
  userId: string;
  calendarUrl: string;
  displayName: string | null;
  scopeKind: ScopeKind;
  scopeId: string | null;
  includePersonal: boolean;
  enabled: boolean;
  conflictPolicy: ConflictPolicy;
  /** A cron rule for the recurring run instead of CALENDAR_SYNC_INTERVAL, with its zone. */
  syncCron: string | null;
  syncTimeZone: string | null;
  syncToken: string | null;
  lastSyncAt: Date | null;
  lastSyncError: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Objects the hub keeps on the server for this binding. */
  objects: number;
}

/** What a binding's owner sets (on create, and each optionally by PATCH). */
type EditableField =
  | 'displayName'
  | 'scopeKind'
  | 'scopeId'
  | 'includePersonal'
  | 'enabled'
  | 'conflictPolicy'
  | 'syncCron'
  | 'syncTimeZone';

export type NewBinding = Pick<BindingRow, 'userId' | 'calendarUrl' | EditableField>;

export type BindingChanges = Partial<Pick<BindingRow, EditableField>>;

const SELECT = `SELECT b.id, b.user_id AS "userId", b.calendar_url AS "calendarUrl", b.display_name AS "displayName",
  b.scope_kind AS "scopeKind", b.scope_id AS "scopeId", b.include_personal AS "includePersonal", b.enabled,
  b.conflict_policy AS "conflictPolicy", b.sync_cron AS "syncCron", b.sync_time_zone AS "syncTimeZone",
  b.sync_token AS "syncToken", b.last_sync_at AS "lastSyncAt",
  b.last_sync_error AS "lastSyncError", b.created_at AS "createdAt", b.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM calendar_targets t WHERE t.binding_id = b.id AND t.href IS NOT NULL) AS objects
  FROM calendar_bindings b`;

// The order: everything, then personal, then the hierarchy bindings by creation.
const ORDER = `ORDER BY CASE b.scope_kind WHEN 'all_visible' THEN 0 WHEN 'personal_only' THEN 1 ELSE 2 END,
  b.created_at, b.id`;

const COLUMN: Record<keyof BindingChanges, string> = {
  displayName: 'display_name',
  scopeKind: 'scope_kind',
  scopeId: 'scope_id',
  includePersonal: 'include_personal',
  enabled: 'enabled',
  conflictPolicy: 'conflict_policy',
  syncCron: 'sync_cron',
  syncTimeZone: 'sync_time_zone',
};

@Injectable()
export class BindingRepository {
  /** A user's binding; another user's id reads as absent (404, never 403). */
  async get(m: EntityManager, id: string, userId?: string): Promise<BindingRow | null> {
    const [row]: BindingRow[] = userId
      ? await m.query(`${SELECT} WHERE b.id = $1 AND b.user_id = $2`, [id, userId])
      : await m.query(`${SELECT} WHERE b.id = $1`, [id]);
    return row ?? null;
  }

  /** Locks the binding row: a PATCH and a DELETE of one binding do not interleave. */
  async lock(m: EntityManager, id: string, userId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM calendar_bindings WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, userId],
    );
    return rows.length > 0;
  }

  list(m: EntityManager, userId: string): Promise<BindingRow[]> {
    return m.query(`${SELECT} WHERE b.user_id = $1 ${ORDER}`, [userId]);
  }

  listAll(m: EntityManager, userId: string | undefined, limit: number): Promise<BindingRow[]> {
    return userId
      ? m.query(`${SELECT} WHERE b.user_id = $1 ORDER BY b.user_id, b.created_at, b.id LIMIT $2`, [
          userId,
          limit,
        ])
      : m.query(`${SELECT} ORDER BY b.user_id, b.created_at, b.id LIMIT $1`, [limit]);
  }

  async exists(m: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM calendar_bindings WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async count(m: EntityManager, userId: string): Promise<number> {
    const [row]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM calendar_bindings WHERE user_id = $1`,
      [userId],
    );
    return row.n;
  }

  async calendarTaken(
    m: EntityManager,
    userId: string,
    calendarUrl: string,
    exceptId?: string,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM calendar_bindings WHERE user_id = $1 AND calendar_url = $2 AND id IS DISTINCT FROM $3`,
      [userId, calendarUrl, exceptId ?? null],
    );
    return rows.length > 0;
  }

  async insert(m: EntityManager, b: NewBinding): Promise<string> {
    const [row]: { id: string }[] = await m.query(
      `INSERT INTO calendar_bindings (user_id, calendar_url, display_name, scope_kind, scope_id,
         include_personal, enabled, conflict_policy, sync_cron, sync_time_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        b.userId,
        b.calendarUrl,
        storableText(b.displayName),
        b.scopeKind,
        b.scopeId,
        b.includePersonal,
        b.enabled,
        b.conflictPolicy,
        b.syncCron,
        b.syncTimeZone,
      ],
    );
    return row.id;
  }

  async update(m: EntityManager, id: string, changes: BindingChanges): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined) as [
      keyof BindingChanges,
      unknown,
    ][];
    if (entries.length === 0) return;
    const sets = entries.map(([k], i) => `${COLUMN[k]} = $${i + 2}`);
    await m.query(
      `UPDATE calendar_bindings SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...entries.map(([, v]) => v)],
    );
  }

  async remove(m: EntityManager, id: string): Promise<void> {
    await m.query(`DELETE FROM calendar_bindings WHERE id = $1`, [id]);
  }

  async recordRun(
    m: EntityManager,
    id: string,
    at: Date,
    error: string | null,
    syncToken?: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE calendar_bindings SET last_sync_at = $2, last_sync_error = $3,
         sync_token = CASE WHEN $4::boolean THEN $5 ELSE sync_token END WHERE id = $1`,
      // Both quote the server: stored as storable text (NUL and lone surrogates replaced).
      [id, at, storableText(error), syncToken !== undefined, storableText(syncToken ?? null)],
    );
  }
}
