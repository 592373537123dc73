import {
  ADMIN_URL_ENV,
  killPostmaster,
  prepareTestRun,
  stopTestRun,
  TEMPLATE_DB_ENV,
  TestRun,
} from './test-database.js';

const RUN = Symbol.for('integration-hub.testing.run');

/**
 * Jest `globalSetup`: one embedded PostgreSQL cluster per Jest worker (or the one server at
 * `TEST_DATABASE_URL`), each with the migrated template, handed to the workers through two
 * environment variables that Jest passes on to them. Pair it with `globalTeardown`.
 */
export default async function globalSetup(globalConfig?: { maxWorkers?: number }): Promise<void> {
  const workers = Math.max(1, globalConfig?.maxWorkers ?? 1);
  const run = await prepareTestRun(workers, process.env.TEST_DATABASE_URL);
  (globalThis as Record<symbol, TestRun>)[RUN] = run;
  process.env[ADMIN_URL_ENV] = run.adminUrls.join(' ');
  process.env[TEMPLATE_DB_ENV] = run.template;
  // A run that ends without globalTeardown (an interrupted Jest) still stops its clusters.
  process.once('exit', () => {
    for (const c of run.embedded?.clusters ?? []) killPostmaster(c.dataDir);
  });
}

/** Jest `globalTeardown`: stops every embedded PostgreSQL that `globalSetup` started. */
export async function globalTeardown(): Promise<void> {
  const run = (globalThis as Record<symbol, TestRun | undefined>)[RUN];
  delete (globalThis as Record<symbol, TestRun | undefined>)[RUN];
  await stopTestRun(run);
}
