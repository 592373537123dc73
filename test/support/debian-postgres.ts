import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { killPostmaster } from '../../src/testing/test-database.js';

/**
 * PostgreSQL 15 from Debian (the `postgresql-15` package, installed by .ci/run). The embedded
 * server is 18, and no pg_dump for 18 is packaged for bookworm or on npm: a pg_dump refuses a
 * newer server, so the backup drill runs its hub on a server that Debian's pg_dump can dump.
 */
export const DEBIAN_PG_BIN = '/usr/lib/postgresql/15/bin';
const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'createdb', 'pg_dump', 'pg_restore'];
const PASSWORD = 'test';

export interface DebianCluster {
  /** `postgres://postgres:test@127.0.0.1:<port>/postgres` */
  adminUrl: string;
  /** The URL of `database` on this cluster. */
  urlOf(database: string): string;
  /** Runs as the `postgres` OS user when the tests run as root. */
  dataDir: string;
  stop(): Promise<void>;
}

/** The path of a client or server program of Debian's PostgreSQL 15; throws, naming the fix, when missing. */
export function debianTool(name: string): string {
  const missing = TOOLS.filter((tool) => !fs.existsSync(path.join(DEBIAN_PG_BIN, tool)));
  if (missing.length)
    throw new Error(
      `PostgreSQL 15 from Debian is not installed (${missing.join(', ')} missing in ` +
        `${DEBIAN_PG_BIN}): apt-get install postgresql-15, as .ci/run does`,
    );
  return path.join(DEBIAN_PG_BIN, name);
}

/** A new cluster in its own temporary directory, on a free port of 127.0.0.1. */
export async function startDebianCluster(): Promise<DebianCluster> {
  debianTool('postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-pg15-'));
  // The postgres OS user (when running as root) must reach the data directory.
  fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'postgres');
  try {
    const server = await startEmbeddedPostgres({
      dataDir,
      password: PASSWORD,
      database: 'postgres',
      binDir: DEBIAN_PG_BIN,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    return {
      adminUrl: server.adminUrl,
      urlOf: (database) => {
        const url = new URL(server.adminUrl);
        url.pathname = `/${database}`;
        return url.toString();
      },
      dataDir,
      stop: async () => {
        await server.stop();
        killPostmaster(dataDir);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killPostmaster(dataDir);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
