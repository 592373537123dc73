import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1763910000000 implements MigrationInterface {
  name = 'Webhooks1763910000000';

  public async up(q: QueryRunner): Promise<void> {
    // owner: null for endpoints managed over the API; a module name for endpoints a module
    // manages through DeliveryService (hidden from the endpoints API).
    // secrets: [{ sealed, createdAt, expiresAt }] sealed by the secret box; the one without
    // expiresAt is current, the others sign until they expire (rotation grace period).
    // type_patterns: LIKE patterns derived from event_types ('card.*' -> 'card.%'), so
    // fan-out and replay match in SQL.
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner                  text,
        url                    text NOT NULL,
        description            text NOT NULL DEFAULT '',
        event_types            text[] NOT NULL DEFAULT '{}',
        exact_types            text[] NOT NULL DEFAULT '{}',
        type_patterns          text[] NOT NULL DEFAULT '{}',
        enabled                boolean NOT NULL DEFAULT true,
        disabled_reason        text,
        disabled_at            timestamptz,
        headers                jsonb NOT NULL DEFAULT '{}'::jsonb,
        rate_limit_per_second  integer,
        metadata               jsonb NOT NULL DEFAULT '{}'::jsonb,
        secrets                jsonb NOT NULL,
        failing_since          timestamptz,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX webhook_endpoints_created_idx ON webhook_endpoints (created_at, id)`,
    );
    // Endpoints a module manages through DeliveryService (owner set) are found by (owner, url).
    await q.query(
      `CREATE UNIQUE INDEX webhook_endpoints_owner_url_uq ON webhook_endpoints (owner, url) WHERE owner IS NOT NULL`,
    );

    // One row per (endpoint, event). payload holds the exact bytes that are signed and sent.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id         bigint,
        event_type       text NOT NULL,
        payload          text NOT NULL,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempt_count    integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        locked_until     timestamptz,
        locked_by        text,
        last_status_code integer,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        completed_at     timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX webhook_deliveries_endpoint_event_uq ON webhook_deliveries (endpoint_id, event_id) WHERE event_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_endpoint_created_idx ON webhook_deliveries (endpoint_id, created_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_completed_idx ON webhook_deliveries (completed_at) WHERE status = 'succeeded'`,
    );

    await q.query(`
      CREATE TABLE webhook_attempts (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        endpoint_id      uuid NOT NULL,
        attempt_number   integer NOT NULL,
        started_at       timestamptz NOT NULL,
        duration_ms      integer NOT NULL,
        status_code      integer,
        response_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        response_body    text,
        error            text,
        instance_id      text NOT NULL
      )`);
    await q.query(
      `CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)`,
    );
    await q.query(
      `CREATE INDEX webhook_attempts_endpoint_started_idx ON webhook_attempts (endpoint_id, started_at)`,
    );
    await q.query(`CREATE INDEX webhook_attempts_started_idx ON webhook_attempts (started_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
