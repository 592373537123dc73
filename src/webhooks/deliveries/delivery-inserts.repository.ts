import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rawWrite } from '../../database/raw-write.js';
import type { ReplayResultDto, ReplaySkipReason } from './dto/delivery.dto.js';

/**
 * The body receivers get: `{type, timestamp, data}`, built once in SQL. PostgreSQL's json text
 * has spaces after colons and commas; PayloadLinks.bodyFor sends it compact.
 */
const PAYLOAD_SQL = `json_build_object('type', ev.type,
  'timestamp', to_char(ev.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', ev.data)::text`;

/**
 * Every way a delivery row is made: from bus events (fan-out, replay), one message, or a
 * batch. Deliveries are queue rows written in bulk, so these statements are SQL.
 */
@Injectable()
export class DeliveryInsertRepository {
  /** One delivery per (matching, enabled, API-managed endpoint, event); safe to repeat. */
  async fanOut(m: EntityManager, eventIds: string[]): Promise<number> {
    // Raw: one INSERT ... SELECT matches a batch of events against every endpoint in SQL.
    const { affected } = await rawWrite(
      m,
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
    return affected;
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
      // Raw: one INSERT ... SELECT over any number of past events.
      const { affected } = await rawWrite(
        m,
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
      return { count: affected, skipped: [] };
    }
    // Raw: the insert and the reason for each event left out, from one snapshot.
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

  /** One delivery; with `lockedBy`, already leased to that instance (a send outside the queue). */
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
    // Raw: the delivery and, with `lockedBy`, its lease (computed from the database clock, as
    // a claim's is) in one statement.
    const { rows } = await rawWrite<{ id: string }>(
      m,
      `WITH delivery AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, correlation_id, origin)
         VALUES ($1, $2, $3, $6, $7)
         RETURNING id, endpoint_id
       ), lease AS (
         INSERT INTO webhook_delivery_leases (delivery_id, endpoint_id, locked_by, locked_until)
         SELECT id, endpoint_id, $4, now() + make_interval(secs => $5) FROM delivery WHERE $4::text IS NOT NULL
       )
       SELECT id FROM delivery`,
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
    return rows[0].id;
  }

  /** A message's one delivery: the message's id, on its origin's lane. */
  async insertMessage(
    m: EntityManager,
    messageId: string,
    laneId: string,
    eventType: string,
    payload: string,
  ): Promise<void> {
    // Raw: queue rows have no entity; message_id ties the row to its message (cascade, retention).
    await rawWrite(
      m,
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, message_id)
       VALUES ($1, $2, $3, $4, $1)`,
      [messageId, laneId, eventType, payload],
    );
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
    // Raw: one INSERT from unnest() arrays for the whole batch.
    await rawWrite(
      m,
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
}
