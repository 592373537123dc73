import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integrations (Jira, GitHub Issues): the admin's connections with their sealed config, the
 * module's projection of every card it has seen (with the link to the remote issue), the
 * card's messages waiting to become comments, and one log row per remote call.
 */
export class Integrations1764670000000 implements MigrationInterface {
  name = 'Integrations1764670000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integrations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        name text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        event_filter text[] NOT NULL,
        config_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE integration_cards (
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        card_id text NOT NULL,
        title text NOT NULL DEFAULT '',
        description text NOT NULL DEFAULT '',
        column_name text,
        tags text[] NOT NULL DEFAULT '{}',
        assignee text,
        url text,
        card_created_at timestamptz,
        deleted boolean NOT NULL DEFAULT false,
        last_event_type text NOT NULL,
        remote_key text,
        remote_id text,
        create_attempted_at timestamptz,
        synced_fields_hash text,
        synced_column text,
        synced_url text,
        last_synced_at timestamptz,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (integration_id, card_id)
      )`);
    await q.query(`
      CREATE TABLE integration_messages (
        integration_id uuid NOT NULL,
        card_id text NOT NULL,
        message_id text NOT NULL,
        body text NOT NULL,
        author text,
        remote_comment_id text,
        attempted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (integration_id, message_id),
        FOREIGN KEY (integration_id, card_id)
          REFERENCES integration_cards(integration_id, card_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX integration_messages_pending_idx ON integration_messages (integration_id, card_id, created_at)
       WHERE remote_comment_id IS NULL`,
    );
    await q.query(`
      CREATE TABLE integration_logs (
        id bigserial PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        event_type text,
        card_id text,
        operation text NOT NULL,
        http_status integer,
        duration_ms integer,
        error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX integration_logs_integration_idx ON integration_logs (integration_id, id DESC)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE integration_logs`);
    await q.query(`DROP TABLE integration_messages`);
    await q.query(`DROP TABLE integration_cards`);
    await q.query(`DROP TABLE integrations`);
  }
}
