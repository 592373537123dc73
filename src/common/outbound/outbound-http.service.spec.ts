import type { ConfigType } from '@nestjs/config';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { securityConfig } from '../../config/security.config.js';
import { OutboundHttpService } from './outbound-http.service.js';
import { OutboundRequestError } from './outbound.exception.js';

/** A loopback server that answers 404 at once, without reading the request body. */
async function earlyAnsweringServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end('not here');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function epipe(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('write EPIPE');
  err.code = 'EPIPE';
  return err;
}

describe('OutboundHttpService', () => {
  let sut: OutboundHttpService;
  let server: Awaited<ReturnType<typeof earlyAnsweringServer>>;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    sut = new OutboundHttpService({ outboundAllowPrivate: true } as ConfigType<
      typeof securityConfig
    >);
    server = await earlyAnsweringServer();
    // Every socket the client's agent makes, to replay the event order that crashed it.
    const agent = (sut as unknown as { agents: [http.Agent] }).agents[0];
    agent.on('free', (socket: Socket) => sockets.push(socket));
  });

  afterEach(async () => {
    sut.onApplicationShutdown();
    await server.close();
    sockets.length = 0;
  });

  it('survives errors on a pooled socket after the response ended (the EPIPE crash)', async () => {
    const first = await sut.post({ url: server.url, body: '{}', headers: {}, timeoutMs: 2000 });
    expect(first.status).toBe(404);
    await new Promise((r) => setImmediate(r));
    expect(sockets.length).toBeGreaterThan(0);
    const pooled = sockets[0];
    // Node guards a pooled socket with once('error'): the second error used to be thrown.
    expect(() => {
      pooled.emit('error', epipe());
      pooled.emit('error', epipe());
    }).not.toThrow();
    const next = await sut.post({ url: server.url, body: '{}', headers: {}, timeoutMs: 2000 });
    expect(next.status).toBe(404);
  });

  it('answers a receiver that replies before reading a 300 KiB body, and keeps working', async () => {
    const body = JSON.stringify({ data: 'x'.repeat(300 * 1024) });
    for (let i = 0; i < 5; i++) {
      const res = await sut.post({ url: server.url, body, headers: {}, timeoutMs: 5000 });
      expect(res.status).toBe(404);
    }
  });

  it('refuses a header value it cannot send without throwing later', async () => {
    const timeoutMs = 30;
    await expect(
      sut.post({ url: server.url, body: '{}', headers: { 'x-tenant': 'Zürich €' }, timeoutMs }),
    ).rejects.toThrow(OutboundRequestError);
    // The old client's deadline timer fired into a ReferenceError after the sync throw.
    await new Promise((r) => setTimeout(r, timeoutMs * 4));
    const res = await sut.post({ url: server.url, body: '{}', headers: {}, timeoutMs: 2000 });
    expect(res.status).toBe(404);
  });
});
