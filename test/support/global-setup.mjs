// Runs in plain Node (outside Jest's module system), so it uses the compiled build:
// `npm test` builds first (pretest).
//
// One real PostgreSQL per test run (embedded binaries, throwaway data dir) with a migrated
// template database that every suite clones. Set TEST_DATABASE_URL to use a server of your
// own instead (its user must be allowed to CREATE DATABASE).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';
import { runMigrations } from '../../dist/src/database/migrations.js';

const TEMPLATE_DB = 'hub_template';

export default async function globalSetup() {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-test-'));
    fs.chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), password: 'test', database: 'postgres' });
    adminUrl = server.adminUrl;
    globalThis.__IH_PG__ = { stop: server.stop, dir };
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await client.end();
  await ensureDatabase(adminUrl, TEMPLATE_DB);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  await runMigrations(templateUrl.toString());
  process.env.IH_TEST_ADMIN_URL = adminUrl;
  process.env.IH_TEST_TEMPLATE_DB = TEMPLATE_DB;
}
