import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runMigrations } from '../src/database/migrations.js';
import { spawnApp, type ChildApp } from '../test/support/child-app.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** DATABASE_URL if given, else a throwaway embedded PostgreSQL. */
export async function benchDatabase(): Promise<{
  url: string;
  stop: () => Promise<void>;
  /** The embedded cluster's data directory; absent with DATABASE_URL. */
  dataDir?: string;
}> {
  if (process.env.DATABASE_URL) {
    await runMigrations(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, stop: async () => undefined };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-bench-'));
  fs.chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'postgres'),
    password: 'bench',
    database: 'bench',
  });
  await runMigrations(pg.url);
  return {
    url: pg.url,
    dataDir: path.join(dir, 'postgres'),
    stop: async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The admin token and secrets every bench app runs with (throwaway values). */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export function benchAppEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123',
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
  };
}

/** The built app as a child process, like `npm start` with DATABASE_URL. */
export async function startApp(env: Record<string, string>): Promise<ChildApp & { url: string }> {
  // e.g. BENCH_APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the app under load
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // e.g. BENCH_APP_ENV="WEBHOOK_MAX_IN_FLIGHT=100 WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT=20" to
  // try a setting: added to (and over) the bench's own environment for the app
  const extra = Object.fromEntries(
    (process.env.BENCH_APP_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  const app = spawnApp({ ...env, ...extra }, undefined, nodeArgs);
  return { ...app, url: await app.ready };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function table(rows: Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [
    line(cols),
    `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(cols.map((c) => String(r[c])))),
  ].join('\n');
}

export function writeResults(name: string, data: unknown): string {
  const dir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}

/** The admin token bench apps are started with (the name the triggers bench uses). */
export const ADMIN = BENCH_ADMIN_TOKEN;

/** One admin API call to a bench app; throws on any non-2xx answer. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
