import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

interface Counts {
  hits: string;
  published: string;
  dropped_cooldown: string;
  dropped_rate_limit: string;
}
export type SourceRow = Counts & {
  source: string;
  lines_in: string;
  lines_truncated: string;
  last_seen_at: Date;
};
export type RuleRow = Counts & {
  rule_id: string;
  name: string;
  deleted: boolean;
  last_hit_at: Date | null;
};

const SUMS = `COALESCE(sum(hits), 0)::text AS hits, COALESCE(sum(published), 0)::text AS published,
  COALESCE(sum(dropped_cooldown), 0)::text AS dropped_cooldown,
  COALESCE(sum(dropped_rate_limit), 0)::text AS dropped_rate_limit`;

/**
 * Reads the counters the ingest path keeps (see LogScanStateRepository). Raw: aggregates
 * (sums, lateral joins) over counter tables, bigint sums as text.
 */
@Injectable()
export class LogStatsRepository {
  sources(m: EntityManager): Promise<SourceRow[]> {
    return m.query(
      `SELECT s.source, s.lines_in::text, s.lines_truncated::text, s.last_seen_at,
         COALESCE(h.hits, '0') AS hits, COALESCE(h.published, '0') AS published,
         COALESCE(h.dropped_cooldown, '0') AS dropped_cooldown,
         COALESCE(h.dropped_rate_limit, '0') AS dropped_rate_limit
       FROM log_scan_source_stats s
       LEFT JOIN LATERAL (SELECT ${SUMS} FROM log_scan_rule_stats r WHERE r.source = s.source) h ON true
       ORDER BY s.last_seen_at DESC, s.source LIMIT 500`,
    );
  }

  rules(m: EntityManager): Promise<RuleRow[]> {
    return m.query(
      `SELECT s.rule_id::text AS rule_id, COALESCE(r.name, max(s.rule_name)) AS name,
         r.id IS NULL AS deleted, max(s.last_hit_at) AS last_hit_at, ${SUMS}
       FROM log_scan_rule_stats s LEFT JOIN log_scan_rules r ON r.id = s.rule_id
       GROUP BY s.rule_id, r.id, r.name ORDER BY sum(s.hits) DESC, s.rule_id LIMIT 1000`,
    );
  }

  async totals(m: EntityManager): Promise<Counts & { lines_in: string; lines_truncated: string }> {
    const [row] = await m.query(
      `SELECT (SELECT COALESCE(sum(lines_in), 0)::text FROM log_scan_source_stats) AS lines_in,
         (SELECT COALESCE(sum(lines_truncated), 0)::text FROM log_scan_source_stats) AS lines_truncated,
         ${SUMS} FROM log_scan_rule_stats`,
    );
    return row;
  }
}
