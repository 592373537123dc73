import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type CalDavServerKind = 'radicale' | 'xandikos';
export const CALDAV_SERVERS: CalDavServerKind[] = ['radicale', 'xandikos'];

/** A fault the front proxy answers instead of the server (a server that is down or busy). */
export interface Fault {
  status: number;
  headers?: Record<string, string>;
  /** Only requests whose method is listed (default: every request). */
  methods?: string[];
}

export interface CalDavServer {
  kind: CalDavServerKind;
  /** What a user types as server URL (the front proxy, on 127.0.0.1). */
  url: string;
  username: string;
  password: string;
  /** Path of the user's calendar home (`/alice/` on Radicale, `/alice/calendars/` on Xandikos). */
  homePath: string;
  /** Every request the proxy saw: method and path. */
  requests: { method: string; path: string }[];
  /** The most requests that were in flight at once. */
  maxInFlight: number;
  /** Set to answer every request with this instead of forwarding. */
  fault: Fault | null;
  /** Milliseconds to hold each request before forwarding (makes overlaps observable). */
  delayMs: number;
  /** A raw request to the server as the user (for test set-up and checks). */
  dav(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<RawAnswer>;
  stop(): Promise<void>;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const installHint =
  'install it with: apt-get install -y --no-install-recommends radicale xandikos (.ci/run does this)';

/**
 * Starts a real CalDAV server (Debian's radicale or xandikos) on a free 127.0.0.1 port with a
 * throwaway storage directory, behind a small front proxy on another free port. Radicale
 * checks the password itself (htpasswd); Xandikos has no authentication of its own (it is
 * meant to sit behind a web server), so the proxy checks Basic auth for it, as a deployment
 * would. The proxy also counts requests and can inject faults.
 */
export async function startCalDavServer(kind: CalDavServerKind): Promise<CalDavServer> {
  const binary = which(kind);
  if (!binary) throw new Error(`CalDAV server ${kind} is not installed: ${installHint}`);
  const dir = mkdtempSync(join(tmpdir(), `hub-${kind}-`));
  const username = 'alice';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const port = await freePort();
  let child: ChildProcess;
  let homePath: string;
  if (kind === 'radicale') {
    writeFileSync(join(dir, 'users'), `${username}:${password}\n`);
    writeFileSync(
      join(dir, 'config'),
      [
        '[server]',
        `hosts = 127.0.0.1:${port}`,
        '[auth]',
        'type = htpasswd',
        `htpasswd_filename = ${join(dir, 'users')}`,
        'htpasswd_encryption = plain',
        '[storage]',
        `filesystem_folder = ${join(dir, 'collections')}`,
        '[rights]',
        'type = owner_only',
        '[logging]',
        'level = warning',
      ].join('\n'),
    );
    child = spawn(binary, ['-C', join(dir, 'config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    homePath = `/${username}/`;
  } else {
    child = spawn(
      binary,
      [
        '-d',
        join(dir, 'data'),
        '--defaults',
        '--current-user-principal',
        `/${username}/`,
        '-l',
        '127.0.0.1',
        '-p',
        String(port),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    homePath = `/${username}/calendars/`;
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const upstream = `http://127.0.0.1:${port}`;
  const expectedAuth = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
  let inFlight = 0;
  const server: CalDavServer = {
    kind,
    url: '',
    username,
    password,
    homePath,
    requests: [],
    maxInFlight: 0,
    fault: null,
    delayMs: 0,
    dav: (method, path, body, headers = {}) =>
      raw(upstream, method, path, body, { authorization: expectedAuth, ...headers }),
    stop: async () => {
      await new Promise<void>((r) => proxy.close(() => r()));
      proxy.closeAllConnections();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const proxy = http.createServer((req, res) => {
    server.requests.push({ method: req.method ?? '', path: req.url ?? '' });
    inFlight++;
    server.maxInFlight = Math.max(server.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const fault = server.fault;
    if (fault && (!fault.methods || fault.methods.includes(req.method ?? ''))) {
      req.resume();
      res.writeHead(fault.status, fault.headers ?? {}).end(`injected ${fault.status}`);
      return;
    }
    if (kind === 'xandikos' && req.headers.authorization !== expectedAuth) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="xandikos"' }).end('unauthorized');
      return;
    }
    const forward = () => {
      const out = http.request(
        `${upstream}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () =>
        res.headersSent ? res.destroy() : res.writeHead(502).end('upstream failed'),
      );
      req.pipe(out);
    };
    if (server.delayMs > 0) setTimeout(forward, server.delayMs);
    else forward();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  server.url = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/`;
  await waitUntilReady(upstream, child, () => stderr, kind);
  return server;
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  stderr: () => string,
  kind: string,
) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `${kind} exited with code ${child.exitCode} before it was ready: ${stderr()}`,
      );
    try {
      await raw(url, 'OPTIONS', '/');
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${kind} did not answer on ${url} within 20 s: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function raw(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function which(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
