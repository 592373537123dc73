import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';

/** Arbitrary constant: the advisory lock key that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 7_240_001;

export function migrationDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'migrations',
    logging: false,
  });
}

/**
 * Applies pending migrations under a session advisory lock, so two instances starting at once
 * take turns instead of racing on the same DDL. Each migration runs in its own transaction.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = migrationDataSource(url);
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
