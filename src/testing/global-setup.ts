import {
  ADMIN_URL_ENV,
  prepareTestServer,
  stopEmbedded,
  TEMPLATE_DB_ENV,
} from './test-database.js';

type Run = Awaited<ReturnType<typeof prepareTestServer>>;
const RUN = Symbol.for('integration-hub.testing.run');

/**
 * Jest `globalSetup`: one PostgreSQL (embedded, or `TEST_DATABASE_URL`) and one migrated
 * template for the whole run, shared by every test file's hubs through two environment
 * variables that Jest passes on to its workers. Pair it with `globalTeardown`.
 */
export default async function globalSetup(): Promise<void> {
  const run = await prepareTestServer(process.env.TEST_DATABASE_URL);
  (globalThis as Record<symbol, Run>)[RUN] = run;
  process.env[ADMIN_URL_ENV] = run.adminUrl;
  process.env[TEMPLATE_DB_ENV] = run.template;
}

/** Jest `globalTeardown`: stops the embedded PostgreSQL that `globalSetup` started. */
export async function globalTeardown(): Promise<void> {
  const run = (globalThis as Record<symbol, Run | undefined>)[RUN];
  await stopEmbedded(run?.embedded);
}
