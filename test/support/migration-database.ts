import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { ensureDatabase } from '../../src/database/embedded-postgres.js';
import { acquireTestServer } from '../../src/testing/test-database.js';

/**
 * For tests of one migration on a database that holds rows: an empty database (not the
 * migrated template) on the suite's test server, migrated up to the one under test, so the
 * rows go in before it runs.
 */
export async function emptyDatabase(prefix: string): Promise<string> {
  const server = await acquireTestServer();
  try {
    const name = `${prefix}_${randomBytes(5).toString('hex')}`;
    await ensureDatabase(server.adminUrl, name);
    const u = new URL(server.adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  } finally {
    await server.release();
  }
}

/** A data source that knows the first `count` migrations (all by default). */
export function migrationsDataSource(url: string, count = migrations.length): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: migrations.slice(0, count),
    migrationsTableName: 'migrations',
    logging: false,
  });
}

/** Applies every migration before the one named `name`. */
export async function migrateBefore(url: string, name: string): Promise<void> {
  const cut = migrations.findIndex((m) => m.name === name);
  if (cut < 0) throw new Error(`no migration named ${name}`);
  const ds = migrationsDataSource(url, cut);
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** Undoes migrations, the latest first, until `name` is no longer applied. */
export async function undoThrough(url: string, name: string): Promise<void> {
  const ds = migrationsDataSource(url);
  await ds.initialize();
  try {
    const applied = async () =>
      (await ds.query(`SELECT 1 FROM migrations WHERE name = $1`, [name])).length > 0;
    while (await applied()) await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
