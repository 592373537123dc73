import pg from 'pg';
import { SEALED_COLUMNS } from '../../src/common/security/key-rotation/sealed-columns.js';
import { createSuiteDatabase } from '../support/test-database.js';

/**
 * Key rotation re-seals only the columns it knows of: a module that adds a sealed column and
 * forgets to register it would leave those values on the old key, unreadable once the key is
 * retired. Every `*_sealed` column of the migrated schema must be registered.
 */
describe('sealed columns registry', () => {
  it('registers every *_sealed column of the schema, and names only columns that exist', async () => {
    const client = new pg.Client({ connectionString: await createSuiteDatabase() });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public'`,
      );
      const all = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
      const registered = new Set(
        SEALED_COLUMNS.flatMap((e) => e.columns.map((c) => `${e.table}.${c}`)),
      );
      const sealedInSchema = [...all].filter((c) => c.endsWith('_sealed')).sort();
      expect(sealedInSchema.length).toBeGreaterThan(0);
      expect(sealedInSchema.filter((c) => !registered.has(c))).toEqual([]);
      expect([...registered].filter((c) => !all.has(c))).toEqual([]);
      for (const e of SEALED_COLUMNS) expect(all.has(`${e.table}.${e.idColumn}`)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
