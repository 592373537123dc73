import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim query counts each endpoint's deliveries in flight (leased). Without an index it
 * read every pending row, which cost most of the claim time with a backlog of tens of
 * thousands. Only leased rows carry locked_until, so this index stays as small as the number
 * of deliveries in flight.
 */
export class WebhookLeaseIndex1763920000000 implements MigrationInterface {
  name = 'WebhookLeaseIndex1763920000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (endpoint_id, locked_until)
       WHERE status = 'pending' AND locked_until IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_leased_idx`);
  }
}
