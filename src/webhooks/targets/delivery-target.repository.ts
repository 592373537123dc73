import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface TargetRow {
  id: string;
  owner: string;
  targetKey: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
}

const TARGET_COLUMNS = `id, owner, target_key AS "targetKey", url, enabled, disabled_reason AS "disabledReason"`;

/** SQL over module-owned endpoints (owner set), keyed by (owner, target_key). */
@Injectable()
export class DeliveryTargetRepository {
  /** Insert or replace a target's URL, headers and secret; saving a rule again re-enables it. */
  async upsert(
    m: EntityManager,
    t: {
      owner: string;
      targetKey: string;
      url: string;
      headers: Record<string, string>;
      secrets: unknown[];
      enabled: boolean;
    },
  ): Promise<TargetRow> {
    const [row]: TargetRow[] = await m.query(
      `INSERT INTO webhook_endpoints (owner, target_key, url, headers, secrets, enabled)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       ON CONFLICT (owner, target_key) WHERE owner IS NOT NULL
       DO UPDATE SET url = EXCLUDED.url, headers = EXCLUDED.headers, secrets = EXCLUDED.secrets,
         enabled = EXCLUDED.enabled, failing_since = NULL,
         disabled_reason = CASE WHEN EXCLUDED.enabled THEN NULL ELSE 'disabled by its owner' END,
         disabled_at = CASE WHEN EXCLUDED.enabled THEN NULL ELSE now() END, updated_at = now()
       RETURNING ${TARGET_COLUMNS}`,
      [
        t.owner,
        t.targetKey,
        t.url,
        JSON.stringify(t.headers),
        JSON.stringify(t.secrets),
        t.enabled,
      ],
    );
    return row;
  }

  async findById(m: EntityManager, id: string): Promise<TargetRow | undefined> {
    const [row]: TargetRow[] = await m.query(
      `SELECT ${TARGET_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND owner IS NOT NULL`,
      [id],
    );
    return row;
  }

  findByIds(m: EntityManager, ids: string[]): Promise<TargetRow[]> {
    return m.query(
      `SELECT ${TARGET_COLUMNS} FROM webhook_endpoints WHERE id = ANY($1::uuid[]) AND owner IS NOT NULL`,
      [ids],
    );
  }

  async find(m: EntityManager, owner: string, targetKey: string): Promise<TargetRow | undefined> {
    const [row]: TargetRow[] = await m.query(
      `SELECT ${TARGET_COLUMNS} FROM webhook_endpoints WHERE owner = $1 AND target_key = $2`,
      [owner, targetKey],
    );
    return row;
  }

  async setEnabled(
    m: EntityManager,
    owner: string,
    targetKey: string,
    enabled: boolean,
  ): Promise<TargetRow | undefined> {
    const [rows]: [TargetRow[], number] = await m.query(
      `UPDATE webhook_endpoints SET enabled = $3, updated_at = now(),
         failing_since = CASE WHEN $3 THEN NULL ELSE failing_since END,
         disabled_reason = CASE WHEN $3 THEN NULL ELSE 'disabled by its owner' END,
         disabled_at = CASE WHEN $3 THEN NULL ELSE now() END
       WHERE owner = $1 AND target_key = $2 RETURNING ${TARGET_COLUMNS}`,
      [owner, targetKey, enabled],
    );
    return rows[0];
  }

  /** Deletes the target with its deliveries and attempts; false when there was none. */
  async remove(m: EntityManager, owner: string, targetKey: string): Promise<boolean> {
    const [, count]: [unknown, number] = await m.query(
      `DELETE FROM webhook_endpoints WHERE owner = $1 AND target_key = $2`,
      [owner, targetKey],
    );
    return count > 0;
  }
}
