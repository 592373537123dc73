import pg from 'pg';
import { runMigrations } from '../../src/database/migrations.js';
import { emptyDatabase, migrateBefore, undoThrough } from '../support/migration-database.js';

/**
 * The migration that moves the webhook delivery lease out of the delivery row
 * (WebhookLeaseTable1764950000000), run on a database with deliveries in flight: their leases
 * are carried over to the microsecond (a worker still sending settles as usual), the others
 * get none, and `down` puts them back in the rows.
 */
const LEASE_TABLE = 'WebhookLeaseTable1764950000000';

describe('webhook lease table migration on a database with deliveries in flight', () => {
  it('carries live leases over, leaves the rest unleased, and down puts them back', async () => {
    const url = await emptyDatabase('leasemig');
    await migrateBefore(url, LEASE_TABLE);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const {
        rows: [endpoint],
      } = await c.query(
        `INSERT INTO webhook_endpoints (url, secrets) VALUES ('http://127.0.0.1:9/', '[]') RETURNING id`,
      );
      const {
        rows: [leased],
      } = await c.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, locked_by, locked_until)
         VALUES ($1, 'm.t', '{}', 'instance-a', now() + interval '1 minute')
         RETURNING id, locked_until::text AS lease`,
        [endpoint.id],
      );
      await c.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload) VALUES ($1, 'm.t', '{}')`,
        [endpoint.id],
      );

      expect(await runMigrations(url)).toContain(LEASE_TABLE);

      const { rows: leases } = await c.query(
        `SELECT delivery_id, endpoint_id, locked_by, locked_until::text AS lease FROM webhook_delivery_leases`,
      );
      expect(leases).toEqual([
        {
          delivery_id: leased.id,
          endpoint_id: endpoint.id,
          locked_by: 'instance-a',
          lease: leased.lease,
        },
      ]);
      const { rows: cols } = await c.query(
        `SELECT column_name FROM information_schema.columns
         WHERE table_name = 'webhook_deliveries' AND column_name IN ('locked_by', 'locked_until')`,
      );
      expect(cols).toEqual([]);

      // down (later migrations first): the lease is back in its row, the lease table gone.
      await undoThrough(url, LEASE_TABLE);
      const { rows: back } = await c.query(
        `SELECT id, locked_by, locked_until::text AS lease FROM webhook_deliveries ORDER BY locked_by NULLS LAST`,
      );
      expect(back).toEqual([
        { id: leased.id, locked_by: 'instance-a', lease: leased.lease },
        { id: expect.any(String), locked_by: null, lease: null },
      ]);
      expect(
        (await c.query(`SELECT to_regclass('webhook_delivery_leases') AS t`)).rows[0].t,
      ).toBeNull();
    } finally {
      await c.end();
    }
  });
});
