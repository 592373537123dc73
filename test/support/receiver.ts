import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

type Handler = (req: ReceivedRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** A real HTTP receiver on 127.0.0.1 whose answer each test scripts. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  handler: Handler = (_req, res) => void res.end('ok');
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  url!: string;

  static async start(handler?: Handler): Promise<Receiver> {
    const r = new Receiver();
    if (handler) r.handler = handler;
    r.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        r.requests.push(received);
        void Promise.resolve(r.handler(received, res, r.requests.length - 1)).catch(() =>
          res.destroy(),
        );
      });
    });
    r.server.on('connection', (s: Socket) => {
      r.sockets.add(s);
      s.on('close', () => r.sockets.delete(s));
    });
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
    return r;
  }

  ids(): string[] {
    return this.requests.map((r) => String(r.headers['webhook-id']));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The receivers a suite starts as it goes, closed together in its afterAll or afterEach. */
export class ReceiverPool {
  private readonly open: Receiver[] = [];

  readonly start = async (...args: Parameters<typeof Receiver.start>): Promise<Receiver> => {
    const r = await Receiver.start(...args);
    this.open.push(r);
    return r;
  };

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((r) => r.close()));
  }
}
