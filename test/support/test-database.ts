import { acquireTestServer, createHubDatabase } from '../../src/testing/test-database.js';

/**
 * A fresh database for one suite, cloned from the migrated template (fast: a file copy), on
 * the server jest's globalSetup prepared: the testing kit's own helper (src/testing).
 */
export async function createSuiteDatabase(): Promise<string> {
  const server = await acquireTestServer();
  try {
    return await createHubDatabase(server);
  } finally {
    await server.release();
  }
}
