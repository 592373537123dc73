import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { NextDue } from '../../jobs/index.js';
import { PreparedStatement } from '../../database/prepared-statement.js';
import { rawWrite } from '../../database/raw-write.js';
import type { StoredSecret } from '../endpoints/endpoint.entity.js';
import type { BodyShape } from '../payloads/body-shape.js';
import type { EndpointSignature } from '../signature.js';
import type { DeliveryStatus } from './dto/delivery.dto.js';

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventType: string;
  payload: string;
  attemptCount: number;
  url: string;
  headers: Record<string, string>;
  secrets: StoredSecret[];
  signature: EndpointSignature;
  body: BodyShape;
  rateLimitPerSecond: number | null;
  /** Set for a message (POST /webhooks/messages): `endpointId` is then its origin's lane. */
  messageId: string | null;
  /**
   * The lease: its `locked_until` in webhook_delivery_leases as PostgreSQL wrote it at claim
   * (microseconds). Settling and giving back require it unchanged, so a worker whose lease
   * expired and was claimed again, even by this same instance, cannot overwrite the newer
   * attempt's result.
   */
  lease: string;
}

export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  /** As the hub set them, static header values redacted; null when nothing was sent. */
  requestHeaders?: Record<string, string> | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  error: string | null;
  instanceId: string;
}

/**
 * A claimed delivery (alias `d`, its lease `l`) with what its attempt needs: from its endpoint
 * (`e`), or for a message from the message's own row (`msg`: URL, secret, signature and body
 * shape; the lane endpoint lends only its empty static headers and rate limit). A message
 * whose row were missing gets no URL and no secret, so it fails its attempt rather than
 * reaching the lane.
 */
const CLAIMED_COLUMNS = `d.id, d.endpoint_id AS "endpointId", d.event_type AS "eventType", d.payload, d.attempt_count AS "attemptCount",
  CASE WHEN d.message_id IS NULL THEN e.url ELSE msg.url END AS url, e.headers,
  CASE WHEN d.message_id IS NULL THEN e.secrets ELSE COALESCE(msg.secrets, '[]'::jsonb) END AS secrets,
  CASE WHEN d.message_id IS NULL THEN e.signature ELSE msg.signature END AS signature,
  CASE WHEN d.message_id IS NULL THEN e.body ELSE msg.body END AS body,
  e.rate_limit_per_second AS "rateLimitPerSecond", d.message_id AS "messageId", l.locked_until::text AS lease`;

/** Joins a claimed or loaded delivery row `d` with its endpoint and, for a message, the message. */
const CLAIMED_JOINS = `JOIN webhook_endpoints e ON e.id = d.endpoint_id
  LEFT JOIN webhook_messages msg ON msg.id = d.message_id`;

/*
 * The claim, the settle of each failed attempt and its attempt row are prepared once per
 * connection (see PreparedStatement).
 */

/**
 * The claim ($1 per-endpoint limit, $2 lease seconds, $3 this instance, $4 how many): the
 * fair walk (per-endpoint room, LATERAL) and the leases inserted ON CONFLICT, in one
 * statement. The lease is a row of its own (migration WebhookLeaseTable1764950000000): the
 * delivery row is not written here, only row-locked. Two claims that pick the same delivery
 * meet on the lease's primary key; the second waits for the first to commit and takes
 * nothing. An expired lease (a crashed or stalled worker) is taken over in place.
 *
 * The row lock (`locked`) is what stops a second send: this statement reads the leases as of
 * its start, so another instance can claim, send and settle a delivery in between, its lease
 * already deleted when this insert would meet it. Locking the delivery re-reads it as last
 * committed (or skips it while a settle holds it): no longer pending, or due later, it is
 * left out before any lease is written (test/webhooks/reliability: two instances, 5,000
 * deliveries, each sent once). A lock writes no row version and no index entry.
 *
 * Its commit does not wait for the WAL flush (`synchronous_commit` off for this statement's
 * transaction): a lease is not data. If PostgreSQL crashes before the flush, the lease is gone
 * and the delivery claimable again, as when a lease expires (at most a second attempt, same
 * webhook-id); the delivery itself, its attempts and its settle keep the durable commit.
 * Waiting on the flush was a third of the claim's time in the burst bench.
 *
 * Prepared, so its plan is made once per connection: planning was 0.55 of the 1.4 ms a claim
 * cost. A prepared statement keeps the generic plan it made until the tables are analysed
 * again, often made on a near-empty queue (a fresh hub's first deliveries) and used minutes
 * later on a full one. So every probe is written to stay an index probe whatever the table's
 * size was when the plan was made, behind an OFFSET 0 fence the planner cannot see through:
 * the claimed rows reach their delivery, endpoint and message by primary key (with `LIMIT $4`
 * unknown, a plan was free to hash the whole delivery table for that join: 13 ms against
 * 1.3 ms), and the lock probes each picked delivery by primary key and checks that it is still
 * pending and due only on the row it locked (unfenced, a plan made on an empty table walked
 * the due index for each delivery instead: 8 to 12 ms a claim a minute later; round three's
 * 74 ms claims were this). test/webhooks/claim-plan.e2e-spec.ts checks the generic plan made
 * on an empty queue.
 */
export const CLAIM = new PreparedStatement(
  'webhooks.claim',
  `WITH async_commit AS (
         SELECT set_config('synchronous_commit', 'off', true)
       ), busy AS (
         SELECT endpoint_id, count(*)::int AS n FROM webhook_delivery_leases
         WHERE locked_until > now() AND EXISTS (SELECT 1 FROM async_commit) GROUP BY endpoint_id
       ), open_endpoints AS (
         SELECT e.id, $1 - COALESCE(busy.n, 0) AS room
         FROM webhook_endpoints e LEFT JOIN busy ON busy.endpoint_id = e.id
         WHERE e.enabled AND COALESCE(busy.n, 0) < $1
       ), picked AS (
         SELECT due.id, due.endpoint_id FROM open_endpoints oe
         CROSS JOIN LATERAL (
           SELECT d.id, d.endpoint_id, d.next_attempt_at FROM webhook_deliveries d
           WHERE d.endpoint_id = oe.id AND d.status = 'pending' AND d.next_attempt_at <= now()
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery_leases hl
                             WHERE hl.delivery_id = d.id AND hl.locked_until > now())
           ORDER BY d.next_attempt_at, d.id LIMIT oe.room
         ) due
         ORDER BY due.next_attempt_at LIMIT $4
       ), locked AS (
         SELECT x.id, x.endpoint_id FROM picked p
         CROSS JOIN LATERAL (
           SELECT d.id, d.endpoint_id, d.status, d.next_attempt_at FROM webhook_deliveries d
           WHERE d.id = p.id OFFSET 0 FOR UPDATE SKIP LOCKED
         ) x
         WHERE x.status = 'pending' AND x.next_attempt_at <= now()
       ), leased AS (
         INSERT INTO webhook_delivery_leases AS l (delivery_id, endpoint_id, locked_by, locked_until)
         SELECT id, endpoint_id, $3, now() + make_interval(secs => $2) FROM locked
         ON CONFLICT (delivery_id) DO UPDATE SET endpoint_id = EXCLUDED.endpoint_id,
           locked_by = EXCLUDED.locked_by, locked_until = EXCLUDED.locked_until
           WHERE l.locked_until <= now()
         RETURNING l.delivery_id, l.locked_until
       )
       SELECT ${CLAIMED_COLUMNS} FROM leased l
       CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries x WHERE x.id = l.delivery_id OFFSET 0) d
       CROSS JOIN LATERAL (SELECT * FROM webhook_endpoints x WHERE x.id = d.endpoint_id OFFSET 0) e
       LEFT JOIN LATERAL (SELECT * FROM webhook_messages x WHERE x.id = d.message_id OFFSET 0) msg ON true`,
);

/** One insert per failed attempt into the high-volume attempt log, inside the settle. */
const RECORD_ATTEMPT = new PreparedStatement(
  'webhooks.record-attempt',
  `INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code,
         response_headers, response_body, error, instance_id, request_headers)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11::jsonb)`,
);

/**
 * The settle: the lease deleted if still ours, and only then the delivery's new state (still
 * pending: a lease reclaimed after it expired can outlive a settle by the other holder),
 * computed in SQL (now(), intervals).
 */
const SETTLE = new PreparedStatement(
  'webhooks.settle',
  `WITH lease AS (
         DELETE FROM webhook_delivery_leases WHERE delivery_id = $1 AND locked_by = $2 AND locked_until = $7::timestamptz
         RETURNING delivery_id
       )
       UPDATE webhook_deliveries SET status = $3, attempt_count = attempt_count + 1,
         next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $4::float8 / 1000) ELSE next_attempt_at END,
         completed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END,
         last_status_code = $5, last_error = $6, updated_at = now()
       WHERE id = (SELECT delivery_id FROM lease) AND status = 'pending'`,
);

/**
 * The delivery queue's state: claim under a lease, give back, settle after an attempt, and
 * put back (retry, recover). webhook_deliveries is the high-throughput queue, not a CRUD
 * table, so its statements are SQL.
 */
@Injectable()
export class DeliveryQueueRepository {
  /**
   * Claims up to `limit` due deliveries for this instance under a lease, at most
   * `perEndpoint` in flight per endpoint across all instances (see CLAIM). Any
   * number of workers claim side by side; an expired lease (crashed worker) makes a delivery
   * claimable again.
   *
   * Fairness: the walk starts from enabled endpoints with room and takes each one's oldest
   * due deliveries (up to that room), and only then the oldest overall. Filtering after a
   * global "oldest N" window let one endpoint's backlog (disabled, or at its limit) fill the
   * window and stall every other endpoint. Messages are deliveries of their origin's lane
   * endpoint, so the same walk is fair between receiving origins too.
   */
  async claim(
    m: EntityManager,
    limit: number,
    perEndpoint: number,
    leaseSeconds: number,
    instanceId: string,
  ): Promise<ClaimedDelivery[]> {
    // Raw: the fair claim and its leases in one prepared statement (CLAIM).
    return CLAIM.run<ClaimedDelivery>(m, [perEndpoint, leaseSeconds, instanceId, limit]);
  }

  /**
   * What the engine asks after an empty claim (see LeasedQueue.nextDue), by the database's
   * clock: in how many ms the next delivery may be claimed (the earliest unleased delivery of
   * an enabled endpoint due later, one index probe per endpoint as the claim reads, or the
   * earliest lease to expire, a crashed instance's), and whether one came due in the last
   * `lookbackMs`.
   */
  async nextDue(m: EntityManager, lookbackMs: number): Promise<NextDue> {
    // Raw: per-endpoint LATERAL probes of the due index, reads of the (small) lease table's
    // index, and a range read of the due index; each part on its own index.
    const [row]: NextDue[] = await m.query(
      `SELECT (extract(epoch FROM LEAST(
           (SELECT min(first.at) FROM webhook_endpoints e
              CROSS JOIN LATERAL (
                SELECT d.next_attempt_at AS at FROM webhook_deliveries d
                WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at > now()
                  AND NOT EXISTS (SELECT 1 FROM webhook_delivery_leases l
                                  WHERE l.delivery_id = d.id AND l.locked_until > now())
                ORDER BY d.next_attempt_at LIMIT 1
              ) first
            WHERE e.enabled),
           (SELECT min(locked_until) FROM webhook_delivery_leases WHERE locked_until > now())
         ) - now()) * 1000)::float8 AS "inMs",
         EXISTS (SELECT 1 FROM webhook_deliveries
                 WHERE status = 'pending' AND next_attempt_at <= now()
                   AND next_attempt_at > now() - $1::float8 * interval '1 millisecond')
         OR EXISTS (SELECT 1 FROM webhook_delivery_leases
                 WHERE locked_until <= now()
                   AND locked_until > now() - $1::float8 * interval '1 millisecond') AS "cameDue"`,
      [lookbackMs],
    );
    return row;
  }

  async loadClaimed(m: EntityManager, id: string): Promise<ClaimedDelivery> {
    // Raw: the row a claim returns (delivery joined with its endpoint, the lease as text).
    const [row]: ClaimedDelivery[] = await m.query(
      `SELECT ${CLAIMED_COLUMNS} FROM webhook_deliveries d
       LEFT JOIN webhook_delivery_leases l ON l.delivery_id = d.id ${CLAIMED_JOINS} WHERE d.id = $1`,
      [id],
    );
    return row;
  }

  /** Gives a claimed delivery back without an attempt (rate limit, shutdown), if the lease is still ours. */
  async release(
    m: EntityManager,
    d: Pick<ClaimedDelivery, 'id' | 'lease'>,
    instanceId: string,
    delayMs: number,
  ): Promise<boolean> {
    // Raw: the lease deleted only while ours, compared to the microsecond. A delivery given
    // back for later (a rate limit's wait) is due later; given back now, it was due already.
    const { rows } = await rawWrite<{ id: string }>(
      m,
      `WITH lease AS (
         DELETE FROM webhook_delivery_leases WHERE delivery_id = $1 AND locked_by = $2 AND locked_until = $4::timestamptz
         RETURNING delivery_id
       ), later AS (
         UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $3::float8 / 1000), updated_at = now()
         WHERE id = (SELECT delivery_id FROM lease) AND $3::float8 > 0
       )
       SELECT delivery_id AS id FROM lease`,
      [d.id, instanceId, delayMs, d.lease],
    );
    return rows.length > 0;
  }

  async recordAttempt(m: EntityManager, a: AttemptRecord): Promise<void> {
    await RECORD_ATTEMPT.run(m, [
      a.deliveryId,
      a.endpointId,
      a.attemptNumber,
      a.startedAt,
      a.durationMs,
      a.statusCode,
      JSON.stringify(a.responseHeaders),
      a.responseBody,
      a.error,
      a.instanceId,
      a.requestHeaders ? JSON.stringify(a.requestHeaders) : null,
    ]);
  }

  /** Settles the delivery after an attempt, if this instance still holds its lease. */
  async settle(
    m: EntityManager,
    d: Pick<ClaimedDelivery, 'id' | 'lease'>,
    instanceId: string,
    outcome: {
      status: DeliveryStatus;
      nextAttemptInMs?: number;
      statusCode: number | null;
      error: string | null;
    },
  ): Promise<boolean> {
    const { affected } = await SETTLE.write(m, [
      d.id,
      instanceId,
      outcome.status,
      outcome.nextAttemptInMs ?? 0,
      outcome.statusCode,
      outcome.error,
      d.lease,
    ]);
    return affected > 0;
  }

  /** One more attempt now, also for a failed delivery. */
  async retryNow(m: EntityManager, id: string): Promise<boolean> {
    // Raw: queue rows have no entity; the queue's state changes are SQL.
    const { affected } = await rawWrite(
      m,
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), completed_at = NULL, updated_at = now()
       WHERE id = $1`,
      [id],
    );
    return affected > 0;
  }

  /** Every failed delivery of the endpoint created since `since` is due again now. */
  async recover(m: EntityManager, endpointId: string, since: Date): Promise<number> {
    // Raw: a batch update of any number of queue rows in one statement.
    const { affected } = await rawWrite(
      m,
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), completed_at = NULL, updated_at = now()
       WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2`,
      [endpointId, since],
    );
    return affected;
  }

  /** Pending deliveries and the age of the oldest, for the queue gauges. */
  async queueGauges(m: EntityManager): Promise<{ depth: number; oldestAgeSeconds: number }> {
    // Raw: an aggregate over the pending part of the queue, read at every scrape.
    const [row]: { depth: number; age: number | null }[] = await m.query(
      `SELECT count(*)::int AS depth, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return { depth: row.depth, oldestAgeSeconds: row.age ?? 0 };
  }
}
