import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How an endpoint's requests are signed: Standard Webhooks (every existing row) or a
 * GitHub-style hex HMAC in a header of the endpoint's choosing. The CHECK holds the same rules
 * as the API: a known scheme, `header` only with hmac-sha256-hex and then a lowercase token.
 * (COALESCE: a CHECK that is NULL passes, and a missing header would make it NULL.)
 */
export class EndpointSignatureScheme1764630000000 implements MigrationInterface {
  name = 'EndpointSignatureScheme1764630000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_endpoints
       ADD COLUMN signature jsonb NOT NULL DEFAULT '{"scheme": "standard-webhooks"}'::jsonb,
       ADD CONSTRAINT webhook_endpoints_signature_chk CHECK (
         signature = '{"scheme": "standard-webhooks"}'::jsonb
         OR (signature - 'header' = '{"scheme": "hmac-sha256-hex"}'::jsonb
             AND COALESCE(jsonb_typeof(signature -> 'header') = 'string'
               AND signature ->> 'header' ~ '^[!#$%&''*+.^_\`|~0-9a-z-]{1,100}$', false)))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_signature_chk, DROP COLUMN signature`,
    );
  }
}
