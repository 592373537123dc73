import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake answered (faults included), for assertions. */
export interface FakeRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
  /** When the request arrived (its body read), before the fake's latency. */
  receivedAt: number;
  /** When it was answered (after the latency). */
  at: number;
}

/** A scripted fault for the next matching request(s). */
export interface FakeFault {
  method?: string;
  /** Matched against the path without query string. */
  path: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /**
   * A reply instead of the real one (`raw`: a body sent as is, not as JSON), or one of these
   * after doing the work: `lose-response` drops the socket; `lateMs` answers that much
   * later (after the client gave up); `mangle` answers the real status with a body the
   * client cannot use: not JSON, `{}`, 2 MiB of JSON, or an endless stream.
   */
  reply:
    | { status: number; headers?: Record<string, string>; body?: unknown; raw?: string }
    | 'lose-response'
    | { lateMs: number }
    | { mangle: 'invalid-json' | 'empty-object' | 'oversize' | 'endless' };
}

/** What a fake's router answers: status and JSON body (undefined: no body). */
export type FakeAnswer = [number, unknown];

/** Marks a body that was not JSON, so a router can answer like the real service. */
export const INVALID_JSON = Symbol.for('invalid-json');

/**
 * The plumbing the fake peers share (node:http only, 127.0.0.1): body parsing, latency,
 * scripted faults and the request record. A fake supplies `route` and its error shape.
 */
export abstract class FakeServer {
  latencyMs = 0;
  readonly requests: FakeRequest[] = [];
  url = '';
  /** Called with each request once answered (a CLI prints them). */
  onRequest?: (request: FakeRequest) => void;
  private readonly faults: FakeFault[] = [];
  private server?: Server;

  protected abstract route(
    method: string,
    url: URL,
    body: unknown,
    headers: IncomingMessage['headers'],
  ): FakeAnswer;
  /** The body of a scripted fault reply that sets none. */
  protected abstract faultBody(status: number): unknown;

  /** Port 0 (the default) takes a free one. */
  protected async listen(port = 0): Promise<void> {
    // A failure anywhere (a broken body stream included) ends the request instead of leaving
    // the client waiting for its own timeout.
    this.server = createServer((req, res) => void this.serve(req, res).catch(() => res.destroy()));
    const server = this.server;
    // A port in use (a fixed port from the CLI) rejects instead of an uncaught 'error'.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The next matching request(s) get this fault. */
  fault(fault: FakeFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests whose method and path match. */
  calls(method: string, path: RegExp): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = INVALID_JSON;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const receivedAt = Date.now();
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const record = (status: number) => {
      const entry = { method, path: url.pathname, status, body, receivedAt, at: Date.now() };
      this.requests.push(entry);
      this.onRequest?.(entry);
    };
    const fault = this.faults.find(
      (f) => (!f.method || f.method === method) && f.path.test(url.pathname) && (f.times ?? 1) > 0,
    );
    const reply = fault?.reply;
    if (fault) fault.times = (fault.times ?? 1) - 1;
    if (typeof reply === 'object' && 'status' in reply) {
      record(reply.status);
      if (reply.raw !== undefined)
        return void res
          .writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers })
          .end(reply.raw);
      return send(res, reply.status, reply.body ?? this.faultBody(reply.status), reply.headers);
    }
    let routed: FakeAnswer;
    try {
      routed = this.route(method, url, body, req.headers);
    } catch (error) {
      // A bug in the fake answers 500 naming it, rather than hanging the suite.
      routed = [500, { message: `fake server error: ${(error as Error).message}` }];
    }
    const [status, answer] = routed;
    record(status);
    if (reply === 'lose-response') return void res.socket?.destroy();
    if (typeof reply === 'object' && 'lateMs' in reply)
      await new Promise((r) => setTimeout(r, reply.lateMs));
    if (typeof reply === 'object' && 'mangle' in reply) return mangled(res, status, reply.mangle);
    if (res.destroyed) return;
    send(res, status, answer);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) return void res.writeHead(status, headers).end();
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/** A real status with a body the client cannot use (see FakeFault.mangle). */
function mangled(
  res: ServerResponse,
  status: number,
  how: 'invalid-json' | 'empty-object' | 'oversize' | 'endless',
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  if (how === 'invalid-json') return void res.end('{"id": "10001", "key": ');
  if (how === 'empty-object') return void res.end('{}');
  if (how === 'oversize')
    return void res.end(JSON.stringify({ id: 1, pad: 'x'.repeat(2 * 1024 * 1024) }));
  // Endless: chunks until the client hangs up.
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.write('{"pad": "');
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}
