import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triggers send tiny-forge's body and may sign like an endpoint:
 * - `payload_format`: `tiny-forge` (the seed's snake_case body) for new triggers; triggers
 *   saved before keep `hub`, the body their receivers were written against (a PATCH switches).
 * - `signature`: the action's signature scheme, the same value and CHECK as
 *   `webhook_endpoints.signature` (every existing trigger signs with Standard Webhooks).
 * - A blank filter shorthand matches every event, as in the seed: stored blanks (a list with
 *   no entries, an empty messageRegex) are removed, as saves remove them from now on. The
 *   list test is the API's (entries split on commas and trimmed; none left is blank).
 */
export class TriggerSeedPayload1764730100000 implements MigrationInterface {
  name = 'TriggerSeedPayload1764730100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE event_triggers
       ADD COLUMN payload_format text NOT NULL DEFAULT 'hub'
         CONSTRAINT event_triggers_payload_format_chk CHECK (payload_format IN ('tiny-forge', 'hub')),
       ADD COLUMN signature jsonb NOT NULL DEFAULT '{"scheme": "standard-webhooks"}'::jsonb,
       ADD CONSTRAINT event_triggers_signature_chk CHECK (
         signature = '{"scheme": "standard-webhooks"}'::jsonb
         OR (signature - 'header' = '{"scheme": "hmac-sha256-hex"}'::jsonb
             AND COALESCE(jsonb_typeof(signature -> 'header') = 'string'
               AND signature ->> 'header' ~ '^[!#$%&''*+.^_\`|~0-9a-z-]{1,100}$', false)))`,
    );
    await q.query(
      `ALTER TABLE event_triggers ALTER COLUMN payload_format SET DEFAULT 'tiny-forge'`,
    );
    await q.query(
      `UPDATE event_triggers SET filter = filter
         - CASE WHEN filter ->> 'severity' ~ '^[\\s,]*$' THEN 'severity' ELSE '' END
         - CASE WHEN filter ->> 'source' ~ '^[\\s,]*$' THEN 'source' ELSE '' END
         - CASE WHEN filter ->> 'messageRegex' = '' THEN 'messageRegex' ELSE '' END
         - CASE WHEN filter ->> 'severityAtLeast' = '' THEN 'severityAtLeast' ELSE '' END
       WHERE filter ->> 'severity' ~ '^[\\s,]*$' OR filter ->> 'source' ~ '^[\\s,]*$'
          OR filter ->> 'messageRegex' = '' OR filter ->> 'severityAtLeast' = ''`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE event_triggers DROP CONSTRAINT event_triggers_signature_chk,
       DROP COLUMN signature, DROP COLUMN payload_format`,
    );
  }
}
