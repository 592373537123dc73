import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Module-owned endpoints ("delivery targets") are keyed by (owner, target_key), the rule that
 * registered them, not by URL: two rules posting to one URL with different secrets used to
 * share a row, so one rule's retries were signed with the other's secret. Existing targets
 * keep their URL as key. Deliveries carry the caller's correlation id and origin.
 */
export class DeliveryTargets1764620000000 implements MigrationInterface {
  name = 'DeliveryTargets1764620000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_endpoints ADD COLUMN target_key text`);
    await q.query(`UPDATE webhook_endpoints SET target_key = url WHERE owner IS NOT NULL`);
    await q.query(
      `ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_target_key_chk
       CHECK ((owner IS NULL) = (target_key IS NULL))`,
    );
    await q.query(`DROP INDEX webhook_endpoints_owner_url_uq`);
    await q.query(
      `CREATE UNIQUE INDEX webhook_endpoints_owner_target_uq ON webhook_endpoints (owner, target_key)
       WHERE owner IS NOT NULL`,
    );
    await q.query(
      `ALTER TABLE webhook_deliveries ADD COLUMN correlation_id text, ADD COLUMN origin text`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_deliveries DROP COLUMN correlation_id, DROP COLUMN origin`);
    await q.query(`DROP INDEX webhook_endpoints_owner_target_uq`);
    await q.query(
      `CREATE UNIQUE INDEX webhook_endpoints_owner_url_uq ON webhook_endpoints (owner, url) WHERE owner IS NOT NULL`,
    );
    await q.query(
      `ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_target_key_chk, DROP COLUMN target_key`,
    );
  }
}
