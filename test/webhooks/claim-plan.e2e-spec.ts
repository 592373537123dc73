import pg from 'pg';
import { runMigrations } from '../../src/database/migrations.js';
import { CLAIM } from '../../src/webhooks/deliveries/delivery-queue.repository.js';
import { emptyDatabase } from '../support/migration-database.js';

/**
 * The webhook claim is a prepared statement, and PostgreSQL keeps a prepared statement's
 * generic plan until the tables are analysed again. A fresh hub makes that plan on a
 * near-empty queue and uses it once the queue is full, so the plan made on an empty queue
 * must reach every delivery by index, never by walking a table or the due index.
 */
describe('webhook claim plan made on an empty queue', () => {
  it('probes the deliveries by primary key once the queue has filled', async () => {
    const url = await emptyDatabase('claimplan');
    await runMigrations(url);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // No autoanalyze in between: it would re-plan, which is what a busy first minute lacks.
      for (const table of ['webhook_deliveries', 'webhook_delivery_leases', 'webhook_endpoints'])
        await c.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      await c.query(`SET plan_cache_mode = force_generic_plan`);
      await c.query(`PREPARE claim (int, int, text, int) AS ${CLAIM.text}`);
      await c.query('BEGIN');
      expect((await c.query(`EXECUTE claim(10, 35, 'test', 13)`)).rows).toEqual([]);
      await c.query('ROLLBACK');

      await c.query(
        `INSERT INTO webhook_endpoints (url, secrets)
         SELECT 'http://127.0.0.1:9/' || g, '[]' FROM generate_series(1, 10) g`,
      );
      await c.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, next_attempt_at)
         SELECT e.id, 'm.t', '{}', now() - g * interval '1 ms'
         FROM webhook_endpoints e, generate_series(1, 2000) g`,
      );

      const plan = (await c.query(`EXPLAIN EXECUTE claim(10, 35, 'test', 13)`)).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).not.toMatch(/Seq Scan on webhook_deliveries/);
      // The lock's probe: the delivery by primary key, then the row it locked is checked.
      expect(plan).toMatch(/LockRows[^\n]*\n\s*->\s+Index Scan using webhook_deliveries_pkey/);
      const probes = plan.match(/Index (Only )?Scan using \w+ on webhook_deliveries/g) ?? [];
      expect(probes.filter((p) => !/_pkey |endpoint_due_idx /.test(p))).toEqual([]);

      await c.query('BEGIN');
      const { rows } = await c.query(`EXECUTE claim(10, 35, 'test', 13)`);
      await c.query('ROLLBACK');
      expect(rows).toHaveLength(13);
    } finally {
      await c.end();
    }
  });
});
