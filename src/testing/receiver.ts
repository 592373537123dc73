import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/hook`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as UTF-8 text. */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /**
   * With a secret: whether the Standard Webhooks signature verified (`standardwebhooks`, the
   * reference library, not our own code). Without one: null.
   */
  verified: boolean | null;
  /** What the receiver answered (0 when it hung up or never answered). */
  answeredStatus: number;
  at: Date;
}

/** A scripted answer for the next requests. */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (until the receiver closes): for timeout tests. */
  hang?: boolean;
  /** Destroy the connection without an answer. */
  reset?: boolean;
}

export interface ReceiverOptions {
  /** `whsec_...` to verify signatures with; default a fresh one (see {@link Receiver.secret}). */
  secret?: string;
  /** Verify signatures at all (default true). Off for receivers of other signature schemes. */
  verify?: boolean;
  /** Answer requests whose signature does not verify with 401 (default true). */
  rejectInvalid?: boolean;
  /** Path of {@link Receiver.url} (default `/hook`). Every path is accepted. */
  path?: string;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook`: give it to the hub as an endpoint or action URL. */
  readonly url: string;
  /** The signing secret this receiver verifies with. */
  readonly secret: string;
  /** Every request, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Answer the next `count` requests as scripted (then 200 again). */
  respondNext(count: number, answer: ScriptedAnswer): void;
  /** The next `count` requests get `status` (default 500). */
  failNext(count: number, status?: number): void;
  /** The next `count` requests get no answer until the receiver closes. */
  hangNext(count: number): void;
  /** The next `count` requests get 410 Gone (the hub disables the endpoint). */
  goneNext(count: number): void;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(count: number, retryAfterSeconds?: number): void;
  /**
   * Resolves with the first `count` requests matching `predicate` once they have arrived
   * (including those already received); rejects after `timeoutMs` naming what it saw.
   */
  waitFor(
    predicate?: (request: ReceivedRequest) => boolean,
    options?: { timeoutMs?: number; count?: number },
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures. */
export async function createReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const secret = options.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
  const verifier = options.verify === false ? undefined : new Webhook(secret);
  const rejectInvalid = options.rejectInvalid ?? true;
  const requests: ReceivedRequest[] = [];
  const script: ScriptedAnswer[] = [];
  const arrivals = new EventEmitter();
  arrivals.setMaxListeners(0);
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifier ? verifies(verifier, body, req.headers) : null;
      const answer: ScriptedAnswer =
        script.shift() ??
        (verified === false && rejectInvalid ? { status: 401, body: 'invalid signature' } : {});
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        json: parseJson(body),
        verified,
        answeredStatus: answer.hang || answer.reset ? 0 : (answer.status ?? 200),
        at: new Date(),
      };
      requests.push(received);
      arrivals.emit('request', received);
      if (answer.reset) return void req.socket.destroy();
      if (answer.hang) return void hanging.add(res);
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? 'ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const enqueue = (count: number, answer: ScriptedAnswer) => {
    for (let i = 0; i < count; i++) script.push(answer);
  };
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/hook'}`,
    secret,
    requests,
    respondNext: enqueue,
    failNext: (count, status = 500) => enqueue(count, { status }),
    hangNext: (count) => enqueue(count, { hang: true }),
    goneNext: (count) => enqueue(count, { status: 410 }),
    throttleNext: (count, retryAfterSeconds = 1) =>
      enqueue(count, { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } }),
    waitFor: (predicate = () => true, { timeoutMs = 10_000, count = 1 } = {}) =>
      new Promise<ReceivedRequest[]>((resolve, reject) => {
        const matched = requests.filter(predicate);
        if (matched.length >= count) return resolve(matched.slice(0, count));
        const onRequest = (request: ReceivedRequest) => {
          if (!predicate(request)) return;
          matched.push(request);
          if (matched.length < count) return;
          clearTimeout(timer);
          arrivals.off('request', onRequest);
          resolve(matched.slice(0, count));
        };
        const timer = setTimeout(() => {
          arrivals.off('request', onRequest);
          reject(
            new Error(
              `receiver: ${matched.length} of ${count} matching requests after ${timeoutMs} ms ` +
                `(${requests.length} received in all)`,
            ),
          );
        }, timeoutMs);
        arrivals.on('request', onRequest);
      }),
    close: async () => {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function verifies(verifier: Webhook, body: string, headers: IncomingHttpHeaders): boolean {
  try {
    verifier.verify(body, {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    });
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
