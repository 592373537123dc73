import { ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Loaded from test/support by Jest and from dist/test/support by the bench build.
const BUILT = path.basename(path.resolve(HERE, '../..')) === 'dist';
const ROOT = path.resolve(HERE, BUILT ? '../../..' : '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');

/**
 * The flags `npm start` and the Dockerfile run the app with (a test keeps the three equal).
 * V8 otherwise sizes the young generation from the machine's memory: 2 x 64 MiB on a
 * 24 GiB host, all of it resident once traffic has passed through it. 16 MiB semi-spaces
 * (V8's old default) cost a few more scavenges (docs/performance.md, "Young generation").
 */
export const APP_NODE_FLAGS = ['--max-semi-space-size=16'];

export interface ChildApp {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the API base URL once the start-up line is printed. */
  ready: Promise<string>;
  exited: Promise<number | null>;
}

/**
 * Runs the built app (`node dist/src/main.js`, what `npm start` runs) as a child process
 * with only the given environment, so tests see real start-up, signals and exit codes.
 */
export function spawnApp(
  env: Record<string, string>,
  cwd?: string,
  nodeArgs: string[] = [],
): ChildApp {
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, ...nodeArgs, MAIN], {
    // Not the checkout: a developer's ./.env must not leak into these tests.
    cwd: cwd ?? os.tmpdir(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // 'close', not 'exit': 'exit' may come before the last bytes of stdout are read, and a
  // test that reads the final log line after it would miss them.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+) \(Swagger UI: \S+\/docs\)/.exec(out);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', check);
    void exited.then((code) =>
      reject(new Error(`app exited with ${code} before it was ready:\n${out}\n${err}`)),
    );
  });
  ready.catch(() => undefined);
  return { process: child, stdout: () => out, stderr: () => err, ready, exited };
}
