import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim walks enabled endpoints and takes each one's oldest due deliveries (up to its
 * in-flight room), so one endpoint's backlog, disabled or at its limit, can no longer fill
 * the claim window and starve the others. This index answers "the next due deliveries of
 * endpoint X" for that walk.
 */
export class WebhookFairClaim1764600000000 implements MigrationInterface {
  name = 'WebhookFairClaim1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX webhook_deliveries_endpoint_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at, id)
       WHERE status = 'pending'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_endpoint_due_idx`);
  }
}
