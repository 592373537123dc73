import pg from 'pg';
import { SealedValuesRepository } from '../../src/key-rotation/sealed-values.repository.js';
import { startTestApp, TestApp } from '../support/test-app.js';

/**
 * Key rotation re-seals only the columns the modules registered (`sealedColumns()` in their
 * providers): a module that adds a sealed column and forgets to register it would leave those
 * values on the old key, unreadable once the key is retired. Every `*_sealed` column of the
 * migrated schema must be registered by some module of the running app.
 */
describe('sealed columns registry', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('registers every *_sealed column of the schema, and names only columns that exist', async () => {
    const entries = t.app.get(SealedValuesRepository).registered;
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public'`,
      );
      const all = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
      const registered = new Set(entries.flatMap((e) => e.columns.map((c) => `${e.table}.${c}`)));
      const sealedInSchema = [...all].filter((c) => c.endsWith('_sealed')).sort();
      expect(sealedInSchema.length).toBeGreaterThan(0);
      expect(sealedInSchema.filter((c) => !registered.has(c))).toEqual([]);
      expect([...registered].filter((c) => !all.has(c))).toEqual([]);
      for (const e of entries) expect(all.has(`${e.table}.${e.idColumn}`)).toBe(true);
      // One registration per table: two would re-seal and count its values twice.
      expect(new Set(entries.map((e) => e.table)).size).toBe(entries.length);
    } finally {
      await client.end();
    }
  });
});
