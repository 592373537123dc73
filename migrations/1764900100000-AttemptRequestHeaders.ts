import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The request headers of each webhook attempt, as sent, for the delivery view (GET
 * /webhooks/deliveries/{id}): the hub's own (webhook-id, webhook-timestamp, the signature,
 * content type, user agent) in clear, the endpoint's static headers by name with their values
 * redacted (the endpoint seals every one of them at rest). Stored rather
 * than rebuilt: a rebuild would show today's headers and secrets, not the ones that went out.
 * Nullable without a default, so adding it rewrites nothing; older attempts read null.
 */
export class AttemptRequestHeaders1764900100000 implements MigrationInterface {
  name = 'AttemptRequestHeaders1764900100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_attempts ADD COLUMN request_headers jsonb`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_attempts DROP COLUMN request_headers`);
  }
}
