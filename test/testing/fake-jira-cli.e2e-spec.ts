import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** What `npm run fake:jira` runs after its build step (the compiled CLI). */
const CLI = resolve('dist/src/testing/fakes/jira/fake-jira.cli.js');

interface Cli {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waitForLine(pattern: RegExp): Promise<string>;
}

function startCli(env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [CLI], { env: { ...process.env, ...env } });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.filter((w) => w.pattern.test(line))) w.resolve(line);
  });
  return {
    child,
    lines,
    waitForLine: (pattern) =>
      new Promise((resolveLine, reject) => {
        const seen = lines.find((l) => pattern.test(l));
        if (seen) return resolveLine(seen);
        waiters.push({ pattern, resolve: resolveLine });
        child.once('exit', (code) =>
          reject(new Error(`exited ${code} before ${pattern}; printed: ${lines.join(' | ')}`)),
        );
      }),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('npm run fake:jira (the fake Jira as a process)', () => {
  let cli: Cli | undefined;
  afterEach(() => {
    if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
    cli = undefined;
  });

  it('prints its URL first, then a config that works, then each request, and stops on SIGTERM', async () => {
    const port = await freePort();
    cli = startCli({ FAKE_JIRA_PORT: String(port), FAKE_JIRA_PROJECT: 'TRY' });
    const first = await cli.waitForLine(/./);
    expect(first).toBe(`Fake Jira listening on http://127.0.0.1:${port}`);
    const configLine = await cli.waitForLine(/^Integration config for POST \/integrations: /);
    const config = JSON.parse(configLine.replace(/^[^{]*/, '')) as {
      baseUrl: string;
      email: string;
      apiToken: string;
      projectKey: string;
    };
    expect(config).toMatchObject({ baseUrl: `http://127.0.0.1:${port}`, projectKey: 'TRY' });

    const auth = `Basic ${Buffer.from(`${config.email}:${config.apiToken}`).toString('base64')}`;
    const myself = await fetch(`${config.baseUrl}/rest/api/3/myself`, {
      headers: { authorization: auth },
    });
    expect(myself.status).toBe(200);
    const project = await fetch(`${config.baseUrl}/rest/api/3/project/TRY`, {
      headers: { authorization: auth },
    });
    expect(project.status).toBe(200);
    await cli.waitForLine(/ GET \/rest\/api\/3\/project\/TRY -> 200$/);

    cli.child.kill('SIGTERM');
    const [code] = await once(cli.child, 'close');
    expect(code).toBe(0);
    expect(cli.lines.at(-1)).toBe('SIGTERM: stopping the fake Jira');
  });

  it('exits 1 naming the problem when its port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const { port } = taken.address() as { port: number };
      cli = startCli({ FAKE_JIRA_PORT: String(port) });
      let stderr = '';
      cli.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = await once(cli.child, 'close');
      expect(code).toBe(1);
      expect(stderr).toContain('EADDRINUSE');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
