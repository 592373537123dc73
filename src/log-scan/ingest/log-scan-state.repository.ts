import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { GuardState } from './storm-guard.js';

export interface RuleCounts {
  ruleId: string;
  ruleName: string;
  hits: number;
  published: number;
  droppedCooldown: number;
  droppedRateLimit: number;
}

/**
 * The storm guard's state and the counters, in PostgreSQL so every instance sees the same
 * buckets and cooldowns. The bucket row of a source is locked for the rest of the ingest
 * transaction: requests for one source are admitted one after the other, on any instance.
 */
@Injectable()
export class LogScanStateRepository {
  /** Locks (creating it full) the source's bucket and reads its rules' cooldowns. */
  async lockGuard(
    manager: EntityManager,
    source: string,
    burst: number,
    ruleIds: string[],
  ): Promise<GuardState & { now: Date }> {
    // Raw: an upsert that takes the row lock (ON CONFLICT DO UPDATE), on every ingest request.
    const [bucket]: { tokens: number; refilledAt: Date; now: Date }[] = await manager.query(
      `INSERT INTO log_scan_buckets (source, tokens, refilled_at) VALUES ($1, $2, clock_timestamp())
       ON CONFLICT (source) DO UPDATE SET source = EXCLUDED.source
       RETURNING tokens, refilled_at AS "refilledAt", clock_timestamp() AS now`,
      [source, burst],
    );
    // Raw: a batch read by rule ids (ANY), on every ingest request.
    const cooldowns: { ruleId: string; until: Date }[] = await manager.query(
      `SELECT rule_id AS "ruleId", until FROM log_scan_cooldowns
       WHERE source = $1 AND rule_id = ANY($2::uuid[])`,
      [source, ruleIds],
    );
    return {
      tokens: Number(bucket.tokens),
      refilledAt: bucket.refilledAt,
      now: bucket.now,
      cooldownUntil: new Map(cooldowns.map((c) => [c.ruleId, c.until])),
    };
  }

  async saveGuard(
    manager: EntityManager,
    source: string,
    tokens: number,
    now: Date,
    cooldownUntil: Map<string, Date>,
  ): Promise<void> {
    // Raw: the locked bucket's update, on every ingest request.
    await manager.query(
      `UPDATE log_scan_buckets SET tokens = $2, refilled_at = $3 WHERE source = $1`,
      [source, tokens, now],
    );
    if (cooldownUntil.size === 0) return;
    // Raw: one batch upsert (unnest, ON CONFLICT) of the request's cooldowns.
    await manager.query(
      `INSERT INTO log_scan_cooldowns (rule_id, source, until)
       SELECT r, $1, u FROM unnest($2::uuid[], $3::timestamptz[]) AS t (r, u)
       ON CONFLICT (rule_id, source) DO UPDATE SET until = EXCLUDED.until`,
      [source, [...cooldownUntil.keys()], [...cooldownUntil.values()]],
    );
  }

  async countLines(
    manager: EntityManager,
    source: string,
    lines: number,
    truncated: number,
  ): Promise<void> {
    // Raw: a counter upsert (lines_in = lines_in + n).
    await manager.query(
      `INSERT INTO log_scan_source_stats (source, lines_in, lines_truncated, last_seen_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (source) DO UPDATE SET lines_in = log_scan_source_stats.lines_in + EXCLUDED.lines_in,
         lines_truncated = log_scan_source_stats.lines_truncated + EXCLUDED.lines_truncated,
         last_seen_at = EXCLUDED.last_seen_at`,
      [source, lines, truncated],
    );
    // The per-minute rollup the console charts (log_scan_minutes): one upsert per request,
    // keyed by source like the total above, so it adds no new point of contention.
    await manager.query(
      `INSERT INTO log_scan_minutes (minute, source, lines) VALUES (date_trunc('minute', now()), $1, $2)
       ON CONFLICT (minute, source) DO UPDATE SET lines = log_scan_minutes.lines + EXCLUDED.lines`,
      [source, lines],
    );
  }

  async countHits(manager: EntityManager, source: string, counts: RuleCounts[]): Promise<void> {
    if (counts.length === 0) return;
    const col = <K extends keyof RuleCounts>(k: K) => counts.map((c) => c[k]);
    // Raw: one batch counter upsert (unnest, ON CONFLICT, hits = hits + n) per request.
    await manager.query(
      `INSERT INTO log_scan_rule_stats
         (rule_id, source, rule_name, hits, published, dropped_cooldown, dropped_rate_limit, last_hit_at)
       SELECT r, $1, n, h, p, c, l, now()
       FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS t (r, n, h, p, c, l)
       ON CONFLICT (rule_id, source) DO UPDATE SET
         rule_name = EXCLUDED.rule_name,
         hits = log_scan_rule_stats.hits + EXCLUDED.hits,
         published = log_scan_rule_stats.published + EXCLUDED.published,
         dropped_cooldown = log_scan_rule_stats.dropped_cooldown + EXCLUDED.dropped_cooldown,
         dropped_rate_limit = log_scan_rule_stats.dropped_rate_limit + EXCLUDED.dropped_rate_limit,
         last_hit_at = EXCLUDED.last_hit_at`,
      [
        source,
        col('ruleId'),
        col('ruleName'),
        col('hits'),
        col('published'),
        col('droppedCooldown'),
        col('droppedRateLimit'),
      ],
    );
  }
}
