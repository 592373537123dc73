import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';
import { canonicalJson } from './canonical-json.js';
import { EventsException } from './events.exception.js';

/** How long a key is remembered (Stripe's window). */
export const IDEMPOTENCY_TTL_HOURS = 24;

export type IdempotentResult<T> = { replayed: boolean; response: T };

/**
 * Idempotency-Key handling in the request's own transaction: the key row and the work commit
 * together. A concurrent request with the same key blocks on the primary key until the first
 * commits, then sees its row and replays its answer.
 */
@Injectable()
export class IdempotencyService {
  async run<T>(
    manager: EntityManager,
    scope: string,
    key: string,
    body: unknown,
    status: number,
    work: () => Promise<T>,
  ): Promise<IdempotentResult<T>> {
    // The parsed body in canonical form: a retry that serialises the same JSON with its keys
    // in another order or other spacing is the same request.
    const hash = sha256(canonicalJson(body));
    // An expired key is forgotten: delete it so the insert below can take its place.
    await manager.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)`,
      [scope, key, IDEMPOTENCY_TTL_HOURS],
    );
    const claimed: unknown[] = await manager.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, response) VALUES ($1, $2, $3, $4, 'null'::jsonb)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [scope, key, hash, status],
    );
    if (claimed.length === 0) {
      const [row]: { request_hash: string; response: T }[] = await manager.query(
        `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      // Keys stored before canonical hashing hold the hash of JSON.stringify(body); honour
      // those until they expire (IDEMPOTENCY_TTL_HOURS after the deploy this can go).
      if (row.request_hash !== hash && row.request_hash !== sha256(JSON.stringify(body ?? null)))
        throw EventsException.idempotencyKeyReused();
      return { replayed: true, response: row.response };
    }
    const response = await work();
    await manager.query(
      `UPDATE idempotency_keys SET response = $3::jsonb WHERE scope = $1 AND key = $2`,
      [scope, key, JSON.stringify(response)],
    );
    return { replayed: false, response };
  }

  /** Forgets keys past the window; called by a scheduled job. */
  async prune(manager: EntityManager): Promise<number> {
    const { affected } = await rawWrite(
      manager,
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
      [IDEMPOTENCY_TTL_HOURS],
    );
    return affected;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
