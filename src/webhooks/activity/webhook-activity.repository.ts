import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface OutcomeBucketRow {
  b: number;
  succeeded: number;
  failed: number;
  dead: number;
}

export interface LatencyBucketRow {
  b: number;
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
   * Attempts per bucket by outcome. An attempt is `dead` when it was its delivery's last and
   * the delivery is failed (retries exhausted, or not retried); a delivery retried by hand
   * later moves its old last attempt back to `failed`.
   */
  outcomeSeries(m: EntityManager, from: Date, to: Date, step: number): Promise<OutcomeBucketRow[]> {
    // MATERIALIZED: the outcome (with its delivery probe, only for non-2xx attempts) is worked
    // out once per attempt, not once per aggregate that reads it.
    return m.query(
      `WITH a AS MATERIALIZED (
         SELECT floor(extract(epoch FROM a.started_at - $1::timestamptz) / $3)::int AS b,
           CASE WHEN ${OK} THEN 'succeeded'
                WHEN (SELECT d.status = 'failed' AND d.attempt_count = a.attempt_number
                      FROM webhook_deliveries d WHERE d.id = a.delivery_id) THEN 'dead'
                ELSE 'failed' END AS outcome
         FROM webhook_attempts a
         WHERE a.started_at >= $1 AND a.started_at < $2)
       SELECT b, count(*) FILTER (WHERE outcome = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
         count(*) FILTER (WHERE outcome = 'dead')::int AS dead
       FROM a GROUP BY b`,
      [from, to, step],
    );
  }

  /**
   * p95 publish-to-receive per bucket over the successful attempts whose id is a multiple of
   * `every` (a sample that bounds the per-attempt probes): from the event's acceptance (its
   * `created_at`; the delivery row's for a message, which has no event) to the end of the
   * attempt.
   */
  latencySeries(
    m: EntityManager,
    from: Date,
    to: Date,
    step: number,
    every: number,
  ): Promise<LatencyBucketRow[]> {
    // The event probe names its partition range (created_at <= the delivery's), so the
    // partitions after the delivery are pruned at run time.
    return m.query(
      `SELECT floor(extract(epoch FROM a.started_at - $1::timestamptz) / $3)::int AS b,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY (
           SELECT extract(epoch FROM a.started_at + a.duration_ms * interval '1 millisecond'
                                     - COALESCE(e.created_at, d.created_at)) * 1000
           FROM webhook_deliveries d
           LEFT JOIN events e ON e.id = d.event_id AND e.created_at <= d.created_at
           WHERE d.id = a.delivery_id))::float8 AS p95
       FROM webhook_attempts a
       WHERE a.started_at >= $1 AND a.started_at < $2 AND ${OK} AND a.id % $4 = 0
       GROUP BY 1`,
      [from, to, step, every],
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
