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
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            -- A partition is part of its parent's entry.
            AND NOT EXISTS (SELECT 1 FROM pg_inherits i
                            WHERE i.inhrelid = format('public.%I', c.table_name)::regclass)`,
      );
      const { rows: parents } = await client.query<{ name: string }>(
        `SELECT relname AS name FROM pg_class
          WHERE relkind = 'p' AND relnamespace = 'public'::regnamespace ORDER BY relname`,
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
      // The registry says which tables are partitioned, and the schema agrees.
      expect(parents.map((p) => p.name)).toEqual(
        RETENTION_TABLES.filter((t) => t.partitioned)
          .map((t) => t.table)
          .sort(),
      );
      for (const reason of Object.values(EXEMPT_TABLES)) expect(reason.length).toBeGreaterThan(5);
    } finally {
      await client.end();
    }
  });
});
