import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureDatabase, startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { runMigrations } from '../database/migrations.js';

/**
 * Where the hubs of a test run keep their data: PostgreSQL with one migrated template
 * database, and a fresh database per hub cloned from it (a file copy: fast, and no hub sees
 * another's rows).
 *
 * The server is, in order: the one a Jest `globalSetup` prepared for this worker (it sets the
 * two environment variables below), the server at `TEST_DATABASE_URL`, or an embedded
 * PostgreSQL started lazily in this process and stopped when its last hub stops.
 *
 * With the embedded binaries, `globalSetup` starts one PostgreSQL cluster per Jest worker.
 * A bus consumer reads only below the oldest transaction open anywhere on its cluster, so on
 * a shared cluster one test file's open transaction would hold back every other file's
 * consumers; on its own cluster a file only waits for itself. `TEST_DATABASE_URL` is one
 * server for every worker: that horizon is shared there.
 */
/** The admin URL of the run's server, or space-separated URLs, one per Jest worker. */
export const ADMIN_URL_ENV = 'IH_TEST_ADMIN_URL';
export const TEMPLATE_DB_ENV = 'IH_TEST_TEMPLATE_DB';
const TEMPLATE_DB = 'hub_template';
const PASSWORD = 'test';
/**
 * A throwaway cluster needs no crash safety: without flushes to disk, database clones,
 * commits and the copies for other workers cost far less on a slow disk.
 */
const THROWAWAY: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

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

/** What a `globalSetup` prepared: one admin URL per worker (one in all for `TEST_DATABASE_URL`). */
export interface TestRun {
  adminUrls: string[];
  template: string;
  /** The embedded clusters started, with their data directories under `dir`. */
  embedded?: { dir: string; clusters: { dataDir: string; stop(): Promise<void> }[] };
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
      password: PASSWORD,
      database: 'postgres',
      settings: THROWAWAY,
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

/**
 * For a Jest run with `workers` workers: with `adminUrl`, that server for all; else one
 * embedded cluster per worker. The first is initialised and migrated, stopped cleanly, and
 * its data directory copied for the others (a file copy, cheaper than initdb and migrations
 * again); then every cluster starts at once, each on its own port.
 */
export async function prepareTestRun(workers: number, adminUrl?: string): Promise<TestRun> {
  const first = await prepareTestServer(adminUrl);
  if (!first.embedded) return { adminUrls: [first.adminUrl], template: first.template };
  const { dir } = first.embedded;
  const source = path.join(dir, 'postgres');
  const run: Required<TestRun> = {
    adminUrls: [first.adminUrl],
    template: first.template,
    embedded: { dir, clusters: [{ dataDir: source, stop: first.embedded.stop }] },
  };
  if (workers <= 1) return run;
  try {
    await first.embedded.stop();
    run.embedded.clusters = [];
    const dataDirs = [source];
    for (let n = 2; n <= workers; n++) {
      const copy = path.join(dir, `postgres-${n}`);
      // -a keeps the owner (the postgres OS user when running as root) and the 0700 mode.
      await promisify(execFile)('cp', ['-a', source, copy]);
      dataDirs.push(copy);
    }
    const ports = await freePorts(workers);
    const started = await Promise.allSettled(
      dataDirs.map((dataDir, i) =>
        startEmbeddedPostgres({
          dataDir,
          password: PASSWORD,
          database: 'postgres',
          port: ports[i],
          settings: THROWAWAY,
        }),
      ),
    );
    started.forEach((s, i) => {
      if (s.status === 'fulfilled')
        run.embedded.clusters.push({ dataDir: dataDirs[i], stop: s.value.stop });
    });
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    run.adminUrls = started.map(
      (s) => (s as PromiseFulfilledResult<{ adminUrl: string }>).value.adminUrl,
    );
    return run;
  } catch (error) {
    await stopTestRun(run);
    throw error;
  }
}

/** Stops every cluster of a run (pg_ctl, then the postmaster's PID if it is still there) and removes its files. */
export async function stopTestRun(run: TestRun | undefined): Promise<void> {
  if (!run?.embedded) return;
  await Promise.all(
    run.embedded.clusters.map(async (c) => {
      await c.stop();
      killPostmaster(c.dataDir);
    }),
  );
  fs.rmSync(run.embedded.dir, { recursive: true, force: true });
}

/** SIGQUIT (immediate shutdown) to the postmaster recorded in a data directory, if it runs. */
export function killPostmaster(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    // Already gone.
  }
}

export async function stopEmbedded(run: EmbeddedRun | undefined): Promise<void> {
  if (!run) return;
  await run.stop();
  fs.rmSync(run.dir, { recursive: true, force: true });
}

let lazy:
  { ready: Promise<Awaited<ReturnType<typeof prepareTestServer>>>; users: number } | undefined;

/** This worker's server: prepared by globalSetup, or started here on first use. */
export async function acquireTestServer(): Promise<TestServer> {
  const adminUrls = (process.env[ADMIN_URL_ENV] ?? '').split(/\s+/).filter(Boolean);
  const template = process.env[TEMPLATE_DB_ENV];
  if (adminUrls.length && template) {
    // Jest numbers its workers from 1 (a run in band is worker 1).
    const worker = Math.max(1, Number(process.env.JEST_WORKER_ID) || 1);
    const adminUrl = adminUrls[(worker - 1) % adminUrls.length];
    return { adminUrl, template, release: async () => undefined };
  }
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

/** `count` distinct free ports on 127.0.0.1 (all held open at once, so none is handed out twice). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
