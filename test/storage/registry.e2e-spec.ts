import pg from 'pg';
import { EXEMPT_TABLES, RETENTION_TABLES } from '../../src/storage/index.js';
import { createSuiteDatabase } from '../support/test-database.js';

/**
 * Storage maintenance prunes only the tables it knows of: a module that adds a table and
 * forgets it would let that table grow for ever. Every table of the migrated schema is in
 * the retention registry or exempt with a reason, and the registry names only real columns.
 */
describe('retention registry', () => {
  it('registers or exempts every table of the schema, and names only tables and columns that exist', async () => {
    const client = new pg.Client({ connectionString: await createSuiteDatabase() });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string }>(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
      );
      const tables = new Set(rows.map((r) => r.table_name));
      const columns = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
      const registered = new Set(RETENTION_TABLES.map((t) => t.table));

      expect([...tables].filter((t) => !registered.has(t) && !(t in EXEMPT_TABLES)).sort()).toEqual(
        [],
      );
      expect([...registered].filter((t) => t in EXEMPT_TABLES)).toEqual([]);
      expect(Object.keys(EXEMPT_TABLES).filter((t) => !tables.has(t))).toEqual([]);
      expect(registered.size).toBe(RETENTION_TABLES.length);
      for (const t of RETENTION_TABLES) {
        expect(columns).toContain(`${t.table}.${t.timeColumn}`);
        if (t.orderKey) expect(columns).toContain(`${t.table}.${t.orderKey}`);
      }
      for (const reason of Object.values(EXEMPT_TABLES)) expect(reason.length).toBeGreaterThan(5);
    } finally {
      await client.end();
    }
  });
});
