import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import type { StoredSecret } from '../endpoints/endpoint.entity.js';
import type { EndpointSignature } from '../signature.js';
import type {
  AttemptDto,
  DeliveryDto,
  DeliveryStatus,
  ReplayResultDto,
  ReplaySkipReason,
} from './dto/delivery.dto.js';

/** NOTIFY channel that wakes delivery workers on every instance. */
export const DELIVERIES_CHANNEL = 'hub_webhook_deliveries';

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
  rateLimitPerSecond: number | null;
  /**
   * The lease: `locked_until` as PostgreSQL wrote it at claim (microseconds). Settling and
   * giving back require it unchanged, so a worker whose lease expired and was claimed again,
   * even by this same instance, cannot overwrite the newer attempt's result.
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
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  error: string | null;
  instanceId: string;
}

const DELIVERY_COLUMNS = `d.id, 'msg_' || replace(d.id::text, '-', '') AS "webhookId", d.endpoint_id AS "endpointId",
  d.event_id::text AS "eventId", d.event_type AS "eventType", d.status, d.attempt_count AS "attemptCount",
  CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt", d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
  d.created_at AS "createdAt", d.completed_at AS "completedAt"`;

/**
 * The body receivers get: `{type, timestamp, data}`, built once in SQL. PostgreSQL's json text
 * has spaces after colons and commas; PayloadLinks.bodyFor sends it compact.
 */
const PAYLOAD_SQL = `json_build_object('type', ev.type,
  'timestamp', to_char(ev.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', ev.data)::text`;

/** SQL over webhook_deliveries and webhook_attempts. */
@Injectable()
export class DeliveryRepository {
  /** One delivery per (matching, enabled, API-managed endpoint, event); safe to repeat. */
  async fanOut(m: EntityManager, eventIds: string[]): Promise<number> {
    const inserted: unknown[] = await m.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
       SELECT e.id, ev.id, ev.type, ${PAYLOAD_SQL}
       FROM events ev
       JOIN webhook_endpoints e ON e.owner IS NULL AND e.enabled AND e.created_at <= ev.created_at
        AND (ev.type = ANY(e.exact_types) OR ev.type LIKE ANY(e.type_patterns))
       WHERE ev.id = ANY($1::bigint[])
       ORDER BY ev.id
       ON CONFLICT (endpoint_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
       RETURNING 1`,
      [eventIds],
    );
    return inserted.length;
  }

  /**
   * Deliveries for past events the endpoint matches and never received. With `eventIds`, also
   * which of them got none and why; the reasons read the snapshot before the insert, so an
   * event that matches, exists and was not inserted is one the endpoint already had.
   */
  async replay(
    m: EntityManager,
    endpointId: string,
    filter: { since?: Date; eventIds?: string[] },
  ): Promise<ReplayResultDto> {
    if (!filter.eventIds) {
      const inserted: unknown[] = await m.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
         SELECT e.id, ev.id, ev.type, ${PAYLOAD_SQL}
         FROM webhook_endpoints e
         JOIN events ev ON (ev.type = ANY(e.exact_types) OR ev.type LIKE ANY(e.type_patterns))
         WHERE e.id = $1 AND ev.occurred_at >= $2
         ORDER BY ev.id
         ON CONFLICT (endpoint_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
         RETURNING 1`,
        [endpointId, filter.since ?? null],
      );
      return { count: inserted.length, skipped: [] };
    }
    const rows: { eventId: string; reason: ReplaySkipReason | null }[] = await m.query(
      `WITH asked AS (
         SELECT id, min(n) AS n FROM unnest($2::bigint[]) WITH ORDINALITY AS a(id, n) GROUP BY id
       ), inserted AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
         SELECT e.id, ev.id, ev.type, ${PAYLOAD_SQL}
         FROM webhook_endpoints e
         JOIN events ev ON (ev.type = ANY(e.exact_types) OR ev.type LIKE ANY(e.type_patterns))
         WHERE e.id = $1 AND ev.id IN (SELECT id FROM asked)
         ORDER BY ev.id
         ON CONFLICT (endpoint_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
         RETURNING event_id
       )
       SELECT a.id::text AS "eventId",
         CASE WHEN i.event_id IS NOT NULL THEN NULL
              WHEN ev.id IS NULL THEN 'not-found'
              WHEN NOT (ev.type = ANY(e.exact_types) OR ev.type LIKE ANY(e.type_patterns)) THEN 'type-not-matched'
              ELSE 'already-delivered' END AS reason
       FROM asked a
       JOIN webhook_endpoints e ON e.id = $1
       LEFT JOIN events ev ON ev.id = a.id
       LEFT JOIN inserted i ON i.event_id = a.id
       ORDER BY a.n`,
      [endpointId, filter.eventIds],
    );
    return {
      count: rows.filter((r) => r.reason === null).length,
      skipped: rows
        .filter((r) => r.reason !== null)
        .map((r) => ({ eventId: r.eventId, reason: r.reason as ReplaySkipReason })),
    };
  }

  async insertOne(
    m: EntityManager,
    endpointId: string,
    eventType: string,
    payload: string,
    options: {
      lockedBy?: string;
      leaseSeconds?: number;
      correlationId?: string | null;
      origin?: string | null;
    } = {},
  ): Promise<string> {
    const [row]: { id: string }[] = await m.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, locked_by, locked_until, correlation_id, origin)
       VALUES ($1, $2, $3, $4, CASE WHEN $4::text IS NULL THEN NULL ELSE now() + make_interval(secs => $5) END, $6, $7)
       RETURNING id`,
      [
        endpointId,
        eventType,
        payload,
        options.lockedBy ?? null,
        options.leaseSeconds ?? 0,
        options.correlationId ?? null,
        options.origin ?? null,
      ],
    );
    return row.id;
  }

  /**
   * Claims up to `limit` due deliveries for this instance under a lease, at most
   * `perEndpoint` in flight per endpoint across all instances. SKIP LOCKED lets any number of
   * workers claim side by side; an expired lease (crashed worker) makes a row claimable again.
   *
   * Fairness: the walk starts from enabled endpoints with room and takes each one's oldest
   * due deliveries (up to that room), and only then the oldest overall. Filtering after a
   * global "oldest N" window let one endpoint's backlog (disabled, or at its limit) fill the
   * window and stall every other endpoint.
   */
  async claim(
    m: EntityManager,
    limit: number,
    perEndpoint: number,
    leaseSeconds: number,
    instanceId: string,
  ): Promise<ClaimedDelivery[]> {
    // TypeORM answers UPDATE ... RETURNING with [rows, affectedCount].
    const [rows]: [ClaimedDelivery[], number] = await m.query(
      `WITH busy AS (
         SELECT endpoint_id, count(*)::int AS n FROM webhook_deliveries
         WHERE status = 'pending' AND locked_until IS NOT NULL AND locked_until > now() GROUP BY endpoint_id
       ), open_endpoints AS (
         SELECT e.id, $2 - COALESCE(busy.n, 0) AS room
         FROM webhook_endpoints e LEFT JOIN busy ON busy.endpoint_id = e.id
         WHERE e.enabled AND COALESCE(busy.n, 0) < $2
       ), picked AS (
         SELECT due.id FROM open_endpoints oe
         CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
           WHERE d.endpoint_id = oe.id AND d.status = 'pending' AND d.next_attempt_at <= now()
             AND (d.locked_until IS NULL OR d.locked_until <= now())
           ORDER BY d.next_attempt_at, d.id LIMIT oe.room
         ) due
         ORDER BY due.next_attempt_at LIMIT $1
       ), locked AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.id IN (SELECT id FROM picked) AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= now())
         FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $3), locked_by = $4, updated_at = now()
       FROM locked, webhook_endpoints e
       WHERE d.id = locked.id AND e.id = d.endpoint_id
       RETURNING d.id, d.endpoint_id AS "endpointId", d.event_type AS "eventType", d.payload, d.attempt_count AS "attemptCount",
                 e.url, e.headers, e.secrets, e.signature, e.rate_limit_per_second AS "rateLimitPerSecond", d.locked_until::text AS lease`,
      [limit, perEndpoint, leaseSeconds, instanceId],
    );
    return rows;
  }

  async loadClaimed(m: EntityManager, id: string): Promise<ClaimedDelivery> {
    const [row]: ClaimedDelivery[] = await m.query(
      `SELECT d.id, d.endpoint_id AS "endpointId", d.event_type AS "eventType", d.payload, d.attempt_count AS "attemptCount",
              e.url, e.headers, e.secrets, e.signature, e.rate_limit_per_second AS "rateLimitPerSecond", d.locked_until::text AS lease
       FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`,
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
    const [, count]: [unknown, number] = await m.query(
      `UPDATE webhook_deliveries SET locked_until = NULL, locked_by = NULL,
         next_attempt_at = now() + make_interval(secs => $3::float8 / 1000), updated_at = now()
       WHERE id = $1 AND locked_by = $2 AND locked_until = $4::timestamptz`,
      [d.id, instanceId, delayMs, d.lease],
    );
    return count > 0;
  }

  async recordAttempt(m: EntityManager, a: AttemptRecord): Promise<void> {
    await m.query(
      `INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code,
         response_headers, response_body, error, instance_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)`,
      [
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
      ],
    );
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
    const [, count]: [unknown, number] = await m.query(
      `UPDATE webhook_deliveries SET status = $3, attempt_count = attempt_count + 1,
         next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $4::float8 / 1000) ELSE next_attempt_at END,
         completed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END,
         last_status_code = $5, last_error = $6, locked_until = NULL, locked_by = NULL, updated_at = now()
       WHERE id = $1 AND locked_by = $2 AND locked_until = $7::timestamptz`,
      [
        d.id,
        instanceId,
        outcome.status,
        outcome.nextAttemptInMs ?? 0,
        outcome.statusCode,
        outcome.error,
        d.lease,
      ],
    );
    return count > 0;
  }

  /** One more attempt now, also for a failed delivery. */
  async retryNow(m: EntityManager, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await m.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), completed_at = NULL, updated_at = now()
       WHERE id = $1`,
      [id],
    );
    return count > 0;
  }

  async recover(m: EntityManager, endpointId: string, since: Date): Promise<number> {
    const [, count]: [unknown, number] = await m.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), completed_at = NULL, updated_at = now()
       WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2`,
      [endpointId, since],
    );
    return count;
  }

  list(
    m: EntityManager,
    f: {
      /** null: endpoints managed over the API; a module name: that module's targets. */
      owner: string | null;
      targetKey?: string;
      endpointId?: string;
      status?: DeliveryStatus;
      eventType?: string;
      since?: Date;
      before?: { at: string; id: string };
      limit: number;
    },
  ): Promise<DeliveryDto[]> {
    return m.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.owner IS NOT DISTINCT FROM $8::text
         AND ($9::text IS NULL OR e.target_key = $9)
       WHERE ($1::uuid IS NULL OR d.endpoint_id = $1) AND ($2::text IS NULL OR d.status = $2)
         AND ($3::text IS NULL OR d.event_type = $3) AND ($4::timestamptz IS NULL OR d.created_at >= $4)
         AND ($5::timestamptz IS NULL OR (d.created_at, d.id) <
           (COALESCE((SELECT c.created_at FROM webhook_deliveries c WHERE c.id = $6::uuid), $5::timestamptz), $6::uuid))
       ORDER BY d.created_at DESC, d.id DESC LIMIT $7`,
      [
        f.endpointId ?? null,
        f.status ?? null,
        f.eventType ?? null,
        f.since ?? null,
        f.before?.at ?? null,
        f.before?.id ?? null,
        f.limit,
        f.owner,
        f.targetKey ?? null,
      ],
    );
  }

  /** A keyset page of `list`, newest first (the cursor names the last row shown). */
  async page(
    m: EntityManager,
    f: Omit<Parameters<DeliveryRepository['list']>[1], 'before' | 'limit'>,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ data: DeliveryDto[]; nextCursor: string | null }> {
    const before = cursor
      ? decodeCursor<{ at: string; id: string }>(cursor, { at: 'timestamp', id: 'uuid' })
      : undefined;
    const rows = await this.list(m, { ...f, before, limit: limit + 1 });
    return paginate(
      rows,
      limit,
      (last) => ({ at: new Date(last.createdAt).toISOString(), id: last.id }),
      (d) => d,
    );
  }

  async findOne(
    m: EntityManager,
    id: string,
  ): Promise<(DeliveryDto & { payload: string }) | undefined> {
    const [row] = await m.query(
      `SELECT ${DELIVERY_COLUMNS}, d.payload FROM webhook_deliveries d WHERE d.id = $1`,
      [id],
    );
    return row;
  }

  /** Many deliveries in one statement (a module's consumer firing a batch); ids in order. */
  async insertMany(
    m: EntityManager,
    rows: {
      endpointId: string;
      eventType: string;
      payload: string;
      correlationId: string | null;
      origin: string | null;
    }[],
  ): Promise<string[]> {
    if (rows.length === 0) return [];
    // Ids made here, so each caller's row keeps its id whatever order the insert takes.
    const ids = rows.map(() => randomUUID());
    await m.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, correlation_id, origin)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        ids,
        rows.map((r) => r.endpointId),
        rows.map((r) => r.eventType),
        rows.map((r) => r.payload),
        rows.map((r) => r.correlationId),
        rows.map((r) => r.origin),
      ],
    );
    return ids;
  }

  /** Deliveries by id, only those of targets the owner registered. */
  findMany(m: EntityManager, owner: string, ids: string[]): Promise<DeliveryDto[]> {
    return m.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.owner = $1
       WHERE d.id = ANY($2::uuid[])`,
      [owner, ids],
    );
  }

  async payloadOf(m: EntityManager, id: string): Promise<string | undefined> {
    const [row]: { payload: string }[] = await m.query(
      `SELECT payload FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return row?.payload;
  }

  attempts(m: EntityManager, deliveryId: string): Promise<AttemptDto[]> {
    return m.query(
      `SELECT id::text AS id, attempt_number AS "attemptNumber", started_at AS "startedAt", duration_ms AS "durationMs",
              status_code AS "statusCode", response_headers AS "responseHeaders", response_body AS "responseBody",
              error, instance_id AS "instanceId"
       FROM webhook_attempts a WHERE delivery_id = $1 ORDER BY a.id`,
      [deliveryId],
    );
  }

  async stats(m: EntityManager, endpointId: string) {
    const counts: { status: DeliveryStatus; n: number }[] = await m.query(
      `SELECT status, count(*)::int AS n FROM webhook_deliveries
       WHERE endpoint_id = $1 AND created_at > now() - interval '24 hours' GROUP BY status`,
      [endpointId],
    );
    const [latency]: { p50: number | null; p95: number | null }[] = await m.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
       FROM webhook_attempts WHERE endpoint_id = $1 AND started_at > now() - interval '24 hours'`,
      [endpointId],
    );
    const [lastError]: { at: Date; statusCode: number | null; error: string | null }[] =
      await m.query(
        `SELECT started_at AS at, status_code AS "statusCode", error FROM webhook_attempts
       WHERE endpoint_id = $1 AND (status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)
       ORDER BY started_at DESC LIMIT 1`,
        [endpointId],
      );
    return { counts, latency, lastError: lastError ?? null };
  }

  async queueGauges(m: EntityManager): Promise<{ depth: number; oldestAgeSeconds: number }> {
    const [row]: { depth: number; age: number | null }[] = await m.query(
      `SELECT count(*)::int AS depth, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return { depth: row.depth, oldestAgeSeconds: row.age ?? 0 };
  }
}
