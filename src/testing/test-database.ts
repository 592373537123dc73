import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { runMigrations } from '../database/migrations.js';

/**
 * Where the hubs of a test run keep their data: one PostgreSQL server with one migrated
 * template database, and a fresh database per hub cloned from it (a file copy: fast, and no
 * hub sees another's rows).
 *
 * The server is, in order: the one a Jest `globalSetup` prepared for the whole run (it sets
 * the two environment variables below), the server at `TEST_DATABASE_URL`, or an embedded
 * PostgreSQL started lazily in this process and stopped when its last hub stops.
 */
export const ADMIN_URL_ENV = 'IH_TEST_ADMIN_URL';
export const TEMPLATE_DB_ENV = 'IH_TEST_TEMPLATE_DB';
const TEMPLATE_DB = 'hub_template';

export interface TestServer {
  adminUrl: string;
  template: string;
  /** Stops the server when this process started it (no-op otherwise). */
  release(): Promise<void>;
}

interface EmbeddedRun {
  adminUrl: string;
  stop(): Promise<void>;
  dir: string;
}

/** Starts an embedded PostgreSQL in a throwaway directory (or uses `adminUrl`) and migrates a template. */
export async function prepareTestServer(
  adminUrl?: string,
): Promise<{ adminUrl: string; template: string; embedded?: EmbeddedRun }> {
  let embedded: EmbeddedRun | undefined;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-test-'));
    // The postgres OS user (when running as root) must reach the data directory.
    fs.chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'postgres'),
      password: 'test',
      database: 'postgres',
    });
    embedded = { adminUrl: server.adminUrl, stop: server.stop, dir };
    adminUrl = server.adminUrl;
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await ensureDatabase(adminUrl, TEMPLATE_DB);
  await runMigrations(withDatabase(adminUrl, TEMPLATE_DB));
  return { adminUrl, template: TEMPLATE_DB, embedded };
}

export async function stopEmbedded(run: EmbeddedRun | undefined): Promise<void> {
  if (!run) return;
  await run.stop();
  fs.rmSync(run.dir, { recursive: true, force: true });
}

let lazy:
  { ready: Promise<Awaited<ReturnType<typeof prepareTestServer>>>; users: number } | undefined;

/** The run's server: prepared by globalSetup, or started here on first use. */
export async function acquireTestServer(): Promise<TestServer> {
  const adminUrl = process.env[ADMIN_URL_ENV];
  const template = process.env[TEMPLATE_DB_ENV];
  if (adminUrl && template) return { adminUrl, template, release: async () => undefined };
  if (!lazy) lazy = { ready: prepareTestServer(process.env.TEST_DATABASE_URL), users: 0 };
  const current = lazy;
  current.users++;
  let prepared: Awaited<ReturnType<typeof prepareTestServer>>;
  try {
    prepared = await current.ready;
  } catch (error) {
    if (lazy === current) lazy = undefined;
    throw error;
  }
  return {
    adminUrl: prepared.adminUrl,
    template: prepared.template,
    release: async () => {
      if (--current.users > 0) return;
      if (lazy === current) lazy = undefined;
      await stopEmbedded(prepared.embedded);
    },
  };
}

/** A fresh database for one hub, cloned from the migrated template. */
export async function createHubDatabase(server: TestServer): Promise<string> {
  const name = `hub_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(server.adminUrl, name, server.template);
  return withDatabase(server.adminUrl, name);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
