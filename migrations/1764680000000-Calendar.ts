import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calendar (issue 14): the appointment projection, one CalDAV account per user (password
 * sealed), bindings of a calendar to a scope, one target per (binding, appointment) with the
 * href and ETag the server gave, and one sync-log row per binding run.
 */
export class Calendar1764680000000 implements MigrationInterface {
  name = 'Calendar1764680000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_appointments (
        id text PRIMARY KEY,
        title text NOT NULL,
        starts_at timestamptz,
        ends_at timestamptz,
        start_date date,
        end_date date,
        timezone text,
        location text,
        description text,
        rrule text,
        owner_user_id text,
        personal boolean NOT NULL DEFAULT false,
        visible_to text[] NOT NULL DEFAULT '{}',
        scope_path jsonb NOT NULL DEFAULT '[]',
        event_id bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calendar_appointments_when_chk
          CHECK ((starts_at IS NOT NULL AND ends_at IS NOT NULL) OR start_date IS NOT NULL)
      )`);
    await q.query(
      `CREATE INDEX calendar_appointments_visible_idx ON calendar_appointments USING gin (visible_to)`,
    );
    await q.query(
      `CREATE INDEX calendar_appointments_scope_idx ON calendar_appointments USING gin (scope_path jsonb_path_ops)`,
    );
    await q.query(`
      CREATE TABLE calendar_accounts (
        user_id text PRIMARY KEY,
        server_url text NOT NULL,
        username text NOT NULL,
        password_sealed text NOT NULL,
        principal_url text,
        home_set_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE calendar_bindings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id text NOT NULL REFERENCES calendar_accounts (user_id) ON DELETE CASCADE,
        calendar_url text NOT NULL,
        display_name text,
        scope_kind text NOT NULL CHECK (scope_kind IN
          ('all_visible', 'personal_only', 'project', 'client', 'litigation', 'patent', 'case')),
        scope_id text,
        include_personal boolean NOT NULL DEFAULT false,
        enabled boolean NOT NULL DEFAULT true,
        conflict_policy text NOT NULL DEFAULT 'hub_wins' CHECK (conflict_policy IN ('hub_wins', 'report')),
        sync_token text,
        last_sync_at timestamptz,
        last_sync_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT calendar_bindings_scope_id_chk CHECK (
          (scope_kind IN ('all_visible', 'personal_only')) = (scope_id IS NULL)
        )
      )`);
    await q.query(
      `CREATE INDEX calendar_bindings_user_idx ON calendar_bindings (user_id, created_at)`,
    );
    await q.query(`
      CREATE TABLE calendar_targets (
        binding_id uuid NOT NULL REFERENCES calendar_bindings (id) ON DELETE CASCADE,
        appointment_id text NOT NULL,
        uid text NOT NULL,
        href text,
        etag text,
        sequence integer NOT NULL DEFAULT 0,
        content_hash text,
        remote_ics text,
        status text NOT NULL DEFAULT 'synced' CHECK (status IN ('synced', 'remote_changed', 'remote_deleted', 'error')),
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (binding_id, appointment_id),
        CONSTRAINT calendar_targets_uid_uq UNIQUE (binding_id, uid)
      )`);
    await q.query(
      `CREATE INDEX calendar_targets_appointment_idx ON calendar_targets (appointment_id)`,
    );
    await q.query(`
      CREATE TABLE calendar_sync_log (
        id bigserial PRIMARY KEY,
        binding_id uuid REFERENCES calendar_bindings (id) ON DELETE SET NULL,
        user_id text NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        deleted integer NOT NULL DEFAULT 0,
        unchanged integer NOT NULL DEFAULT 0,
        remote_changes integer NOT NULL DEFAULT 0,
        errors integer NOT NULL DEFAULT 0,
        first_error text,
        full_resync boolean NOT NULL DEFAULT false
      )`);
    await q.query(
      `CREATE INDEX calendar_sync_log_binding_idx ON calendar_sync_log (binding_id, id DESC)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_sync_log`);
    await q.query(`DROP TABLE calendar_targets`);
    await q.query(`DROP TABLE calendar_bindings`);
    await q.query(`DROP TABLE calendar_accounts`);
    await q.query(`DROP TABLE calendar_appointments`);
  }
}
