import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface AttemptBucketRow {
  b: number;
  succeeded: number;
  failed: number;
  dead: number;
  p95: number | null;
}

export interface EndpointHourRow {
  endpoint_id: string;
  b: number;
  succeeded: number;
  failed: number;
}

export interface EndpointLastRow {
  id: string;
  failing_since: Date | null;
  last_status: number | null;
  last_attempt_at: Date | null;
}

export interface FailingEndpointRow {
  id: string;
  url: string;
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: Date;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
}

/** Whether an attempt (alias `a`) succeeded: a 2xx answer; no answer is a failure. */
const OK = `COALESCE(a.status_code BETWEEN 200 AND 299, false)`;

/**
 * Aggregates over the attempt log for the operator console. Raw: time-bucketed counts and
 * percentiles over a range of the partitioned log (index range scans on started_at).
 */
@Injectable()
export class WebhookActivityRepository {
  /**
   * Attempts per bucket by outcome, and the p95 publish-to-receive latency of the successes:
   * from the event's acceptance (its `created_at`; a message's delivery row for messages) to
   * the end of the successful attempt. An attempt is `dead` when it was its delivery's last
   * and the delivery is failed (retries exhausted, or not retried); a delivery retried by
   * hand later moves its old last attempt back to `failed`.
   */
  attemptSeries(m: EntityManager, from: Date, to: Date, step: number): Promise<AttemptBucketRow[]> {
    // CASE, not FILTER: the per-row probes (delivery state, event time) run only for the
    // attempts they concern, each one primary-key lookup.
    return m.query(
      `WITH a AS (
         SELECT floor(extract(epoch FROM a.started_at - $1::timestamptz) / $3)::int AS b,
           CASE WHEN ${OK} THEN 'succeeded'
                WHEN EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = a.delivery_id
                               AND d.status = 'failed' AND d.attempt_count = a.attempt_number) THEN 'dead'
                ELSE 'failed' END AS outcome,
           CASE WHEN ${OK} THEN (
             SELECT extract(epoch FROM a.started_at + a.duration_ms * interval '1 millisecond'
                                       - COALESCE(e.created_at, d.created_at)) * 1000
             FROM webhook_deliveries d
             LEFT JOIN events e ON e.id = d.event_id AND e.created_at <= d.created_at
             WHERE d.id = a.delivery_id) END AS latency
         FROM webhook_attempts a
         WHERE a.started_at >= $1 AND a.started_at < $2)
       SELECT b, count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
         count(*) FILTER (WHERE outcome = 'dead')::int AS dead,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY latency)::float8 AS p95
       FROM a GROUP BY b`,
      [from, to, step],
    );
  }

  /** Attempts per hour of each endpoint, 2xx and not. */
  endpointHours(m: EntityManager, ids: string[], from: Date, to: Date): Promise<EndpointHourRow[]> {
    return m.query(
      `SELECT a.endpoint_id::text AS endpoint_id,
         floor(extract(epoch FROM a.started_at - $2::timestamptz) / 3600)::int AS b,
         count(*) FILTER (WHERE ${OK})::int AS succeeded,
         count(*) FILTER (WHERE NOT ${OK})::int AS failed
       FROM webhook_attempts a
       WHERE a.endpoint_id = ANY($1::uuid[]) AND a.started_at >= $2 AND a.started_at < $3
       GROUP BY 1, 2`,
      [ids, from, to],
    );
  }

  /** The API's endpoints among `ids`, each with its failure streak and its latest attempt. */
  endpointLast(m: EntityManager, ids: string[]): Promise<EndpointLastRow[]> {
    return m.query(
      `SELECT e.id::text AS id, e.failing_since, l.status_code AS last_status, l.started_at AS last_attempt_at
       FROM webhook_endpoints e
       LEFT JOIN LATERAL (SELECT a.status_code, a.started_at FROM webhook_attempts a
                          WHERE a.endpoint_id = e.id ORDER BY a.started_at DESC LIMIT 1) l ON true
       WHERE e.id = ANY($1::uuid[]) AND e.owner IS NULL`,
      [ids],
    );
  }

  /**
   * The API's endpoints in a failure streak (failing_since is set by a failed attempt and
   * cleared by the next success), longest streak first, with their latest failed attempt.
   */
  failingEndpoints(m: EntityManager, limit: number): Promise<FailingEndpointRow[]> {
    return m.query(
      `SELECT e.id::text AS id, e.url, e.description, e.enabled, e.disabled_reason, e.failing_since,
         l.status_code AS last_status, l.error AS last_error, l.started_at AS last_attempt_at
       FROM webhook_endpoints e
       LEFT JOIN LATERAL (SELECT a.status_code, a.error, a.started_at FROM webhook_attempts a
                          WHERE a.endpoint_id = e.id AND NOT ${OK}
                          ORDER BY a.started_at DESC LIMIT 1) l ON true
       WHERE e.failing_since IS NOT NULL AND e.owner IS NULL
       ORDER BY e.failing_since, e.id LIMIT $1`,
      [limit],
    );
  }
}
