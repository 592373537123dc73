import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import type { AttemptDto, DeliveryDto, DeliveryStatus } from './dto/delivery.dto.js';

const DELIVERY_COLUMNS = `d.id, 'msg_' || replace(d.id::text, '-', '') AS "webhookId", d.endpoint_id AS "endpointId",
  d.event_id::text AS "eventId", d.event_type AS "eventType", d.status, d.attempt_count AS "attemptCount",
  CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt", d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
  d.created_at AS "createdAt", d.completed_at AS "completedAt"`;

export interface DeliveryFilter {
  /** null: endpoints managed over the API; a module name: that module's targets. */
  owner: string | null;
  targetKey?: string;
  endpointId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: Date;
}

/**
 * Reads of what was sent: deliveries (lists, pages, one by id), their attempts, stored
 * payloads, and an endpoint's last-24-hours stats. Cursor reads and aggregates over the
 * high-volume queue and attempt log, so they are SQL.
 */
@Injectable()
export class DeliveryHistoryRepository {
  list(
    m: EntityManager,
    f: DeliveryFilter & { before?: { at: string; id: string }; limit: number },
  ): Promise<DeliveryDto[]> {
    // Raw: a keyset (cursor) read, newest first, with optional filters in one statement.
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
    f: DeliveryFilter,
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
    // Raw: queue rows have no entity; one row in the DTO's shape.
    const [row] = await m.query(
      `SELECT ${DELIVERY_COLUMNS}, d.payload FROM webhook_deliveries d WHERE d.id = $1`,
      [id],
    );
    return row;
  }

  /** Deliveries by id, only those of targets the owner registered. */
  findMany(m: EntityManager, owner: string, ids: string[]): Promise<DeliveryDto[]> {
    // Raw: queue rows have no entity; a batch read joined with the owner's endpoints.
    return m.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.owner = $1
       WHERE d.id = ANY($2::uuid[])`,
      [owner, ids],
    );
  }

  async payloadOf(m: EntityManager, id: string): Promise<string | undefined> {
    // Raw: queue rows have no entity; one column of one row.
    const [row]: { payload: string }[] = await m.query(
      `SELECT payload FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return row?.payload;
  }

  attempts(m: EntityManager, deliveryId: string): Promise<AttemptDto[]> {
    // Raw: the attempt log has no entity; rows in the DTO's shape, oldest first.
    return m.query(
      `SELECT id::text AS id, attempt_number AS "attemptNumber", started_at AS "startedAt", duration_ms AS "durationMs",
              status_code AS "statusCode", request_headers AS "requestHeaders", response_headers AS "responseHeaders", response_body AS "responseBody",
              error, instance_id AS "instanceId"
       FROM webhook_attempts a WHERE delivery_id = $1 ORDER BY a.id`,
      [deliveryId],
    );
  }

  /** The endpoint's last 24 hours: deliveries by status, attempt latency, the last error. */
  async stats(m: EntityManager, endpointId: string) {
    // Raw: aggregates (count by status, percentiles) over the queue and the attempt log.
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
}
