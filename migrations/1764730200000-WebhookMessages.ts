import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-job callbacks (`POST /webhooks/messages`) and the body shape of a request.
 *
 * - `webhook_endpoints.body`: `envelope` (`{type, timestamp, data}`, every existing row) or
 *   `flat` (`{...data, timestamp}`, foreman's top-level fields). Applied when a request is
 *   sent, like the signature scheme, so the stored payload stays the envelope.
 * - `webhook_messages`: one row per message, holding its own target: the URL, the signing
 *   secret (sealed, in the endpoints' `[{sealed, createdAt, expiresAt}]` form so one signing
 *   path serves both), the signature scheme and the body shape. `created_by` is the API key
 *   (or `admin-token`) that sent it: a publisher key reads only its own messages.
 * - A message is sent by one ordinary delivery row whose id is the message's
 *   (`message_id = id`), so the queue, claim, lease, settle, attempt log and metrics are the
 *   ones endpoint deliveries use. That row's `endpoint_id` is the message's lane: a
 *   module-owned endpoint row (owner `webhooks.messages`, target_key the URL's origin), so
 *   the claim's per-endpoint fairness and in-flight limit hold per receiving origin, and an
 *   endpoint's deliveries never wait behind a flood of messages.
 * - Retention: a message goes with its delivery (ON DELETE CASCADE from the message). The
 *   FK costs nothing on the hot path: inserts with a NULL message_id and settles that leave
 *   it unchanged are not checked; deleting a message finds its delivery by the partial index.
 *
 * Adding the FK and the CHECK scans webhook_deliveries once (every message_id is NULL).
 */
export class WebhookMessages1764730200000 implements MigrationInterface {
  name = 'WebhookMessages1764730200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_endpoints
       ADD COLUMN body text NOT NULL DEFAULT 'envelope',
       ADD CONSTRAINT webhook_endpoints_body_chk CHECK (body IN ('envelope', 'flat'))`,
    );
    // The signature CHECK is the endpoints' one (migration 1764630000000), for the same API rules.
    await q.query(`
      CREATE TABLE webhook_messages (
        id          uuid PRIMARY KEY,
        url         text NOT NULL,
        secrets     jsonb NOT NULL,
        signature   jsonb NOT NULL DEFAULT '{"scheme": "standard-webhooks"}'::jsonb,
        body        text NOT NULL DEFAULT 'envelope',
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_messages_body_chk CHECK (body IN ('envelope', 'flat')),
        CONSTRAINT webhook_messages_signature_chk CHECK (
          signature = '{"scheme": "standard-webhooks"}'::jsonb
          OR (signature - 'header' = '{"scheme": "hmac-sha256-hex"}'::jsonb
              AND COALESCE(jsonb_typeof(signature -> 'header') = 'string'
                AND signature ->> 'header' ~ '^[!#$%&''*+.^_\`|~0-9a-z-]{1,100}$', false)))
      )`);
    // Retention walks messages by age.
    await q.query(`CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at)`);
    await q.query(
      `ALTER TABLE webhook_deliveries
       ADD COLUMN message_id uuid REFERENCES webhook_messages (id) ON DELETE CASCADE,
       ADD CONSTRAINT webhook_deliveries_message_chk CHECK (message_id IS NULL OR message_id = id)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX webhook_deliveries_message_uq ON webhook_deliveries (message_id)
       WHERE message_id IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // Messages' deliveries and their lanes go with the feature.
    await q.query(`DELETE FROM webhook_deliveries WHERE message_id IS NOT NULL`);
    await q.query(`DELETE FROM webhook_endpoints WHERE owner = 'webhooks.messages'`);
    await q.query(
      `ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_message_chk, DROP COLUMN message_id`,
    );
    await q.query(`DROP TABLE webhook_messages`);
    await q.query(
      `ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_body_chk, DROP COLUMN body`,
    );
  }
}
