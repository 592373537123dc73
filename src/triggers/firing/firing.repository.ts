import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FiringOutcome } from '../dto/trigger.dto.js';

export interface FiringInsert {
  triggerId: string;
  eventId: string;
  eventType: string;
  groupKey: string;
  outcome: FiringOutcome;
  deliveryId: string | null;
  silenceId: string | null;
  error: string | null;
}

export interface FiringRow extends FiringInsert {
  seq: string;
  createdAt: Date;
  deliveryFailedAt: Date | null;
  deliveryError: string | null;
}

export interface OutcomeCounts {
  outcome: FiringOutcome;
  n: number;
}

/** Raw SQL over the firing log and the repeat-interval clock per (trigger, group). */
@Injectable()
export class FiringRepository {
  async insertMany(m: EntityManager, rows: FiringInsert[]): Promise<void> {
    if (rows.length === 0) return;
    // Raw: one batch insert (unnest) of a bus batch's firings.
    await m.query(
      `INSERT INTO event_trigger_firings (trigger_id, event_id, event_type, group_key, outcome, delivery_id, silence_id, error)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::text[])`,
      [
        rows.map((r) => r.triggerId),
        rows.map((r) => r.eventId),
        rows.map((r) => r.eventType),
        rows.map((r) => r.groupKey),
        rows.map((r) => r.outcome),
        rows.map((r) => r.deliveryId),
        rows.map((r) => r.silenceId),
        rows.map((r) => r.error),
      ],
    );
  }

  /** When each (trigger, group) last fired; key `${triggerId} ${groupKey}`. */
  async lastFired(
    m: EntityManager,
    pairs: { triggerId: string; groupKey: string }[],
  ): Promise<Map<string, number>> {
    if (pairs.length === 0) return new Map();
    // Raw: one batch read of the matched (trigger, group) pairs, joined to unnest.
    const rows: { triggerId: string; groupKey: string; at: Date }[] = await m.query(
      `SELECT g.trigger_id AS "triggerId", g.group_key AS "groupKey", g.last_fired_at AS at
       FROM event_trigger_groups g
       JOIN unnest($1::uuid[], $2::text[]) AS p(trigger_id, group_key)
         ON p.trigger_id = g.trigger_id AND p.group_key = g.group_key`,
      [pairs.map((p) => p.triggerId), pairs.map((p) => p.groupKey)],
    );
    return new Map(rows.map((r) => [`${r.triggerId} ${r.groupKey}`, new Date(r.at).getTime()]));
  }

  async setLastFired(
    m: EntityManager,
    fired: { triggerId: string; groupKey: string; at: Date }[],
  ): Promise<void> {
    if (fired.length === 0) return;
    // Raw: one batch upsert (unnest, ON CONFLICT) of the clocks.
    await m.query(
      `INSERT INTO event_trigger_groups (trigger_id, group_key, last_fired_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
       ON CONFLICT (trigger_id, group_key) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at`,
      [fired.map((f) => f.triggerId), fired.map((f) => f.groupKey), fired.map((f) => f.at)],
    );
  }

  /** A trigger's delivery used its last attempt (learned from `webhook.delivery.exhausted`). */
  async markDeliveryFailed(
    m: EntityManager,
    deliveryId: string,
    error: string | null,
  ): Promise<void> {
    // Raw: a set update by delivery id, on the bus's matching path.
    await m.query(
      `UPDATE event_trigger_firings SET delivery_failed_at = now(), delivery_error = $2
       WHERE delivery_id = $1`,
      [deliveryId, error ?? 'every attempt failed'],
    );
  }

  /** Newest first, keyset paged by seq (`f.seq`: the bare `seq` would be the text alias, '9' > '10'). */
  page(
    m: EntityManager,
    triggerId: string,
    beforeSeq: string | null,
    limit: number,
  ): Promise<FiringRow[]> {
    // Raw: a keyset read of an append-only log by seq (bigint as text).
    return m.query(
      `SELECT seq::text AS seq, trigger_id AS "triggerId", event_id::text AS "eventId", event_type AS "eventType",
              group_key AS "groupKey", outcome, delivery_id AS "deliveryId", silence_id AS "silenceId", error,
              delivery_failed_at AS "deliveryFailedAt", delivery_error AS "deliveryError", created_at AS "createdAt"
       FROM event_trigger_firings f
       WHERE f.trigger_id = $1 AND ($2::bigint IS NULL OR f.seq < $2)
       ORDER BY f.seq DESC LIMIT $3`,
      [triggerId, beforeSeq, limit],
    );
  }

  async stats(
    m: EntityManager,
    triggerId: string,
  ): Promise<{
    counts: OutcomeCounts[];
    deliveryFailures: number;
    lastFiredAt: Date | null;
    lastError: string | null;
  }> {
    // Raw: aggregates over the firing log.
    const counts: OutcomeCounts[] = await m.query(
      `SELECT outcome, count(*)::int AS n FROM event_trigger_firings WHERE trigger_id = $1 GROUP BY outcome`,
      [triggerId],
    );
    const [row]: {
      deliveryFailures: number;
      lastFiredAt: Date | null;
      lastError: string | null;
    }[] = await m.query(
      `SELECT
         (SELECT count(*)::int FROM event_trigger_firings WHERE trigger_id = $1 AND delivery_failed_at IS NOT NULL) AS "deliveryFailures",
         (SELECT max(created_at) FROM event_trigger_firings WHERE trigger_id = $1 AND outcome = 'fired') AS "lastFiredAt",
         (SELECT COALESCE(delivery_error, error) FROM event_trigger_firings
          WHERE trigger_id = $1 AND (delivery_failed_at IS NOT NULL OR outcome = 'undeliverable')
          ORDER BY COALESCE(delivery_failed_at, created_at) DESC LIMIT 1) AS "lastError"`,
      [triggerId],
    );
    return { counts, ...row };
  }
}
