import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         text NOT NULL,
        role         text NOT NULL CHECK (role IN ('admin', 'publisher')),
        prefix       text NOT NULL UNIQUE,
        secret_hash  text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      )`);

    // The bus's durable log. tx is the writing transaction's id: readers only pass rows whose
    // transaction is older than every still-running one (pg_snapshot_xmin), so an event that
    // commits late with a lower id is never skipped.
    await q.query(`
      CREATE TABLE events (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx          xid8 NOT NULL DEFAULT pg_current_xact_id(),
        type        text NOT NULL,
        source      text NOT NULL,
        subject     text,
        data        jsonb NOT NULL DEFAULT '{}'::jsonb,
        severity    text NOT NULL DEFAULT 'info',
        origin      text,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX events_tx_id_idx ON events (tx, id)`);
    await q.query(`CREATE INDEX events_type_id_idx ON events (type text_pattern_ops, id)`);
    await q.query(`CREATE INDEX events_source_id_idx ON events (source, id)`);
    await q.query(`CREATE INDEX events_occurred_at_idx ON events (occurred_at)`);

    await q.query(`
      CREATE TABLE event_consumers (
        name             text PRIMARY KEY,
        cursor_tx        xid8 NOT NULL DEFAULT '0'::xid8,
        cursor_event_id  bigint NOT NULL DEFAULT 0,
        processed_count  bigint NOT NULL DEFAULT 0,
        isolate_until_tx xid8,
        isolate_until_id bigint,
        failing_event_id bigint,
        attempts         integer NOT NULL DEFAULT 0,
        retry_at         timestamptz,
        last_error       text,
        last_error_at    timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE event_consumer_failures (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer   text NOT NULL REFERENCES event_consumers (name) ON DELETE CASCADE,
        event_id   bigint NOT NULL,
        attempts   integer NOT NULL,
        error      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX event_consumer_failures_consumer_idx ON event_consumer_failures (consumer, id)`,
    );

    await q.query(`
      CREATE TABLE idempotency_keys (
        scope        text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        status       integer NOT NULL,
        response     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE event_consumer_failures`);
    await q.query(`DROP TABLE event_consumers`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP TABLE api_keys`);
  }
}
