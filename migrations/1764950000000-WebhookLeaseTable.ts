import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery's lease moves out of its row into a table of its own.
 *
 * With the lease in `webhook_deliveries`, every claim was an update of that wide row on an
 * indexed column (`locked_until`), so PostgreSQL could never make it HOT: each claim wrote a
 * new row version and an entry in each of the table's nine indexes, and the settle did it
 * again (the burst profile in docs/performance.md: 0 HOT updates of 162,216, about 22 B-tree
 * inserts per delivery, the claim 59% of statement time). Now a claim inserts one narrow row
 * here and the settle deletes it; the delivery row is written once, by the settle.
 *
 * No foreign key to the delivery, on purpose: its check would lock the delivery row at every
 * claim (a row lock is a write of its own). A lease whose delivery was deleted (its endpoint
 * or message removed while in flight) just expires; storage maintenance removes leases an
 * hour past their expiry (RETENTION_TABLES).
 *
 * Every delivery inserts a lease and deletes it, so the table is mostly dead rows until it is
 * vacuumed, and the claim reads it twice (in a 2,000/s run the claim went from 0.6 to 4 ms
 * before the first vacuum). Its autovacuum thresholds are fixed row counts (the defaults, 50,
 * with no share of the table's size, which swings with the load), and its vacuum runs
 * without cost delay (the live table is small). How often it runs is autovacuum_naptime's
 * (docs/operations.md, "What to watch").
 *
 * Leases held at the upgrade are carried over. Run one version at a time: an instance of the
 * previous version claims through the old columns, which are gone.
 */
export class WebhookLeaseTable1764950000000 implements MigrationInterface {
  name = 'WebhookLeaseTable1764950000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_delivery_leases (
        delivery_id   uuid PRIMARY KEY,
        endpoint_id   uuid NOT NULL,
        locked_by     text NOT NULL,
        locked_until  timestamptz NOT NULL
      ) WITH (
        autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_scale_factor = 0,
        autovacuum_vacuum_cost_delay = 0
      )`);
    // Counting each endpoint's deliveries in flight (the claim) and the next lease to expire
    // (the worker's due timer): both read the live leases, the newest part of this index.
    await q.query(
      `CREATE INDEX webhook_delivery_leases_until_idx ON webhook_delivery_leases (locked_until) INCLUDE (endpoint_id)`,
    );
    await q.query(`
      INSERT INTO webhook_delivery_leases (delivery_id, endpoint_id, locked_by, locked_until)
      SELECT id, endpoint_id, locked_by, locked_until FROM webhook_deliveries
      WHERE status = 'pending' AND locked_until IS NOT NULL AND locked_by IS NOT NULL`);
    await q.query(`DROP INDEX webhook_deliveries_leased_idx`);
    await q.query(`ALTER TABLE webhook_deliveries DROP COLUMN locked_until, DROP COLUMN locked_by`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_deliveries ADD COLUMN locked_until timestamptz, ADD COLUMN locked_by text`,
    );
    await q.query(`
      UPDATE webhook_deliveries d SET locked_until = l.locked_until, locked_by = l.locked_by
      FROM webhook_delivery_leases l WHERE l.delivery_id = d.id AND d.status = 'pending'`);
    await q.query(
      `CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (endpoint_id, locked_until)
       WHERE status = 'pending' AND locked_until IS NOT NULL`,
    );
    await q.query(`DROP TABLE webhook_delivery_leases`);
  }
}
