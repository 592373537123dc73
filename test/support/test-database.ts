import { randomBytes } from 'node:crypto';
import { ensureDatabase } from '../../src/database/embedded-postgres.js';

/** A fresh database for one suite, cloned from the migrated template (fast: a file copy). */
export async function createSuiteDatabase(): Promise<string> {
  const adminUrl = process.env.IH_TEST_ADMIN_URL;
  const template = process.env.IH_TEST_TEMPLATE_DB;
  if (!adminUrl || !template)
    throw new Error('run e2e suites through jest: its globalSetup provides the database');
  const name = `suite_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, template);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
