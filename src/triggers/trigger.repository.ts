import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FilterShorthands, Matcher } from './matching/trigger-filter.js';

export interface TriggerRow {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  matchers: Matcher[];
  filter: FilterShorthands;
  actionUrl: string;
  secretSealed: string;
  /** Header values sealed. */
  headers: Record<string, string>;
  targetId: string;
  repeatIntervalMs: number;
  groupBy: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type TriggerWrite = Omit<TriggerRow, 'createdAt' | 'updatedAt'>;

const COLUMNS = `id, name, description, enabled, matchers, filter, action_url AS "actionUrl",
  secret_sealed AS "secretSealed", headers, target_id AS "targetId",
  repeat_interval_ms::float8 AS "repeatIntervalMs", group_by AS "groupBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** SQL over event_triggers. */
@Injectable()
export class TriggerRepository {
  async insert(m: EntityManager, t: TriggerWrite): Promise<TriggerRow> {
    const [row]: TriggerRow[] = await m.query(
      `INSERT INTO event_triggers (id, name, description, enabled, matchers, filter, action_url,
         secret_sealed, headers, target_id, repeat_interval_ms, group_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9::jsonb, $10, $11, $12::jsonb)
       RETURNING ${COLUMNS}`,
      params(t),
    );
    return row;
  }

  async update(m: EntityManager, t: TriggerWrite): Promise<TriggerRow> {
    const [[row]]: [TriggerRow[], number] = await m.query(
      `UPDATE event_triggers SET name = $2, description = $3, enabled = $4, matchers = $5::jsonb,
         filter = $6::jsonb, action_url = $7, secret_sealed = $8, headers = $9::jsonb, target_id = $10,
         repeat_interval_ms = $11, group_by = $12::jsonb, updated_at = clock_timestamp()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      params(t),
    );
    return row;
  }

  async find(m: EntityManager, id: string, lock = false): Promise<TriggerRow | undefined> {
    const [row]: TriggerRow[] = await m.query(
      `SELECT ${COLUMNS} FROM event_triggers WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return row;
  }

  async remove(m: EntityManager, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await m.query(`DELETE FROM event_triggers WHERE id = $1`, [
      id,
    ]);
    return count > 0;
  }

  /** A keyset page by (created_at, id). */
  list(
    m: EntityManager,
    f: {
      enabled?: boolean;
      namePrefix?: string;
      after?: { at: string; id: string };
      limit: number;
    },
  ): Promise<TriggerRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM event_triggers
       WHERE ($1::boolean IS NULL OR enabled = $1)
         AND ($2::text IS NULL OR starts_with(name, $2))
         AND ($3::timestamptz IS NULL OR (created_at, id) >
           (COALESCE((SELECT c.created_at FROM event_triggers c WHERE c.id = $4::uuid), $3::timestamptz), $4::uuid))
       ORDER BY created_at, id LIMIT $5`,
      [f.enabled ?? null, f.namePrefix ?? null, f.after?.at ?? null, f.after?.id ?? null, f.limit],
    );
  }

  /** Every trigger, disabled ones too (their targets' events are still trigger-caused). */
  listAll(m: EntityManager): Promise<TriggerRow[]> {
    return m.query(`SELECT ${COLUMNS} FROM event_triggers ORDER BY created_at, id`);
  }

  /** Changes whenever a trigger is created, changed or deleted: the matcher's cache key. */
  async version(m: EntityManager): Promise<string> {
    const [row]: { v: string }[] = await m.query(
      `SELECT count(*)::text || '/' || COALESCE(max(updated_at)::text, '') AS v FROM event_triggers`,
    );
    return row.v;
  }
}

function params(t: TriggerWrite): unknown[] {
  return [
    t.id,
    t.name,
    t.description,
    t.enabled,
    JSON.stringify(t.matchers),
    JSON.stringify(t.filter),
    t.actionUrl,
    t.secretSealed,
    JSON.stringify(t.headers),
    t.targetId,
    t.repeatIntervalMs,
    JSON.stringify(t.groupBy),
  ];
}
