import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { serverPids } from '../support/pg-process.js';
import { waitFor } from '../support/test-app.js';

const CLI = path.resolve('dist/src/database/embedded-db.cli.js');

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run db (embedded-db.cli)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-db-cli-'));
  });
  afterAll(async () => {
    // A CLI that lets go of its server would leave it running on this temp dir: stop it here.
    const [postmaster] = serverPids(path.join(dataDir, 'postgres'));
    if (postmaster !== undefined) {
      process.kill(postmaster, 'SIGQUIT');
      await waitFor(() => !isRunning(postmaster), 10_000, `postmaster ${postmaster} to exit`);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays in the foreground until SIGINT, then stops the database and exits 0', async () => {
    const child = spawn(process.execPath, [CLI], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve((exitCode = code))),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => /press Ctrl-C to stop it/.test(out) && resolve();
        child.stdout.on('data', check);
        void exited.then(() => reject(new Error(`exited before it was ready:\n${out}`)));
      });
      const url = /DATABASE_URL=(\S+)/.exec(out)![1];
      expect(url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/integration_hub$/);

      // A CLI that let go after printing would exit within milliseconds, while nothing keeps
      // its event loop busy: it must still run after a client has connected and left.
      expect(await canConnect(url)).toBe(true);
      expect(exitCode).toBeUndefined();
      expect(isRunning(child.pid!)).toBe(true);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(await canConnect(url)).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      if (exitCode === undefined) child.kill('SIGKILL');
    }
  });
});
