import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event triggers: rules (matchers + a webhook action whose secret and headers are sealed),
 * one firing row per match with its outcome (fired, suppressed by the repeat interval,
 * silenced, undeliverable), the repeat-interval state per trigger and group, and silences.
 */
export class EventTriggers1764650000000 implements MigrationInterface {
  name = 'EventTriggers1764650000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE event_triggers (
         id uuid PRIMARY KEY,
         name text NOT NULL,
         description text NOT NULL DEFAULT '',
         enabled boolean NOT NULL DEFAULT true,
         matchers jsonb NOT NULL DEFAULT '[]',
         filter jsonb NOT NULL DEFAULT '{}',
         action_url text NOT NULL,
         secret_sealed text NOT NULL,
         headers jsonb NOT NULL DEFAULT '{}',
         target_id uuid NOT NULL,
         repeat_interval_ms bigint NOT NULL DEFAULT 0 CHECK (repeat_interval_ms >= 0),
         group_by jsonb NOT NULL DEFAULT '[]',
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT event_triggers_name_uq UNIQUE (name)
       )`,
    );
    await q.query(
      `CREATE TABLE event_trigger_firings (
         seq bigserial PRIMARY KEY,
         trigger_id uuid NOT NULL REFERENCES event_triggers(id) ON DELETE CASCADE,
         event_id bigint NOT NULL,
         event_type text NOT NULL,
         group_key text NOT NULL,
         outcome text NOT NULL CHECK (outcome IN ('fired', 'suppressed', 'silenced', 'undeliverable')),
         delivery_id uuid,
         silence_id uuid,
         error text,
         delivery_failed_at timestamptz,
         delivery_error text,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await q.query(
      `CREATE INDEX event_trigger_firings_trigger_idx ON event_trigger_firings (trigger_id, seq DESC)`,
    );
    await q.query(
      `CREATE INDEX event_trigger_firings_delivery_idx ON event_trigger_firings (delivery_id)
       WHERE delivery_id IS NOT NULL`,
    );
    await q.query(
      `CREATE TABLE event_trigger_groups (
         trigger_id uuid NOT NULL REFERENCES event_triggers(id) ON DELETE CASCADE,
         group_key text NOT NULL,
         last_fired_at timestamptz NOT NULL,
         PRIMARY KEY (trigger_id, group_key)
       )`,
    );
    await q.query(
      `CREATE TABLE event_trigger_silences (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         matchers jsonb NOT NULL,
         starts_at timestamptz NOT NULL,
         ends_at timestamptz NOT NULL,
         created_by text NOT NULL,
         comment text NOT NULL DEFAULT '',
         created_at timestamptz NOT NULL DEFAULT now(),
         CHECK (ends_at > starts_at)
       )`,
    );
    await q.query(
      `CREATE INDEX event_trigger_silences_ends_idx ON event_trigger_silences (ends_at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_trigger_silences`);
    await q.query(`DROP TABLE event_trigger_groups`);
    await q.query(`DROP TABLE event_trigger_firings`);
    await q.query(`DROP TABLE event_triggers`);
  }
}
