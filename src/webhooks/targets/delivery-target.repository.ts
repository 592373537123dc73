import { Injectable } from '@nestjs/common';
import { EntityManager, FindOptionsSelect, In, IsNull, Not } from 'typeorm';
import { rawWrite } from '../../database/raw-write.js';
import { EndpointEntity } from '../endpoints/endpoint.entity.js';
import type { EndpointSignature } from '../signature.js';

/** What a delivery target is to its owner: a module-owned endpoint without its secrets. */
export type TargetRow = Pick<EndpointEntity, 'id' | 'url' | 'enabled' | 'disabledReason'> & {
  owner: string;
  targetKey: string;
};

const TARGET_FIELDS: FindOptionsSelect<EndpointEntity> = {
  id: true,
  owner: true,
  targetKey: true,
  url: true,
  enabled: true,
  disabledReason: true,
};

/**
 * Module-owned endpoints (owner set), keyed by (owner, target_key), through the endpoint
 * entity; only the upsert is SQL.
 */
@Injectable()
export class DeliveryTargetRepository {
  /**
   * Insert or replace a target's URL, headers, signature scheme and secret; saving a rule
   * again re-enables it.
   */
  async upsert(
    m: EntityManager,
    t: {
      owner: string;
      targetKey: string;
      url: string;
      headers: Record<string, string>;
      signature: EndpointSignature;
      secrets: unknown[];
      enabled: boolean;
    },
  ): Promise<TargetRow> {
    // Raw: one atomic insert-or-replace on the partial unique index (owner, target_key), with
    // per-column CASEs that TypeORM's upsert cannot express; two saves of one rule never race.
    const {
      rows: [{ id }],
    } = await rawWrite<{ id: string }>(
      m,
      `INSERT INTO webhook_endpoints (owner, target_key, url, headers, secrets, enabled, signature)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7::jsonb)
       ON CONFLICT (owner, target_key) WHERE owner IS NOT NULL
       DO UPDATE SET url = EXCLUDED.url, headers = EXCLUDED.headers, secrets = EXCLUDED.secrets,
         signature = EXCLUDED.signature, enabled = EXCLUDED.enabled, failing_since = NULL,
         disabled_reason = CASE WHEN EXCLUDED.enabled THEN NULL ELSE 'disabled by its owner' END,
         disabled_at = CASE WHEN EXCLUDED.enabled THEN NULL ELSE now() END, updated_at = now()
       RETURNING id`,
      [
        t.owner,
        t.targetKey,
        t.url,
        JSON.stringify(t.headers),
        JSON.stringify(t.secrets),
        t.enabled,
        JSON.stringify(t.signature),
      ],
    );
    return (await this.findById(m, id))!;
  }

  async findById(m: EntityManager, id: string): Promise<TargetRow | undefined> {
    const row = await m
      .getRepository(EndpointEntity)
      .findOne({ select: TARGET_FIELDS, where: { id, owner: Not(IsNull()) } });
    return (row as TargetRow | null) ?? undefined;
  }

  async findByIds(m: EntityManager, ids: string[]): Promise<TargetRow[]> {
    const rows = await m
      .getRepository(EndpointEntity)
      .find({ select: TARGET_FIELDS, where: { id: In(ids), owner: Not(IsNull()) } });
    return rows as TargetRow[];
  }

  async find(m: EntityManager, owner: string, targetKey: string): Promise<TargetRow | undefined> {
    const row = await m
      .getRepository(EndpointEntity)
      .findOne({ select: TARGET_FIELDS, where: { owner, targetKey } });
    return (row as TargetRow | null) ?? undefined;
  }

  /** Enabling clears the failure streak and the reason; disabling records its owner did it. */
  async setEnabled(
    m: EntityManager,
    owner: string,
    targetKey: string,
    enabled: boolean,
  ): Promise<TargetRow | undefined> {
    await m
      .getRepository(EndpointEntity)
      .update(
        { owner, targetKey },
        enabled
          ? { enabled, failingSince: null, disabledReason: null, disabledAt: null }
          : { enabled, disabledReason: 'disabled by its owner', disabledAt: () => 'now()' },
      );
    return this.find(m, owner, targetKey);
  }

  /** Deletes the target with its deliveries and attempts; false when there was none. */
  async remove(m: EntityManager, owner: string, targetKey: string): Promise<boolean> {
    const { affected } = await m.getRepository(EndpointEntity).delete({ owner, targetKey });
    return !!affected;
  }
}
