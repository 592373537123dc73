import type { ConfigType } from '@nestjs/config';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { securityConfig } from '../../config/security.config.js';
import { OutboundHttpService } from './outbound-http.service.js';
import { OutboundRequestError } from './outbound.exception.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server whose answer each test scripts; records what it was sent. */
async function server(
  handler: (req: Seen, res: http.ServerResponse) => void,
): Promise<{ base: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(r);
      handler(r, res);
    });
  });
  s.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      sockets.forEach((c) => c.destroy());
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

const client = (allowPrivate: boolean, allowHosts: string[] = []) =>
  new OutboundHttpService({
    outboundAllowPrivate: allowPrivate,
    outboundAllowHosts: allowHosts,
  } as unknown as ConfigType<typeof securityConfig>);

describe('OutboundHttpService.request (axios)', () => {
  const open: { close(): Promise<void> }[] = [];
  const clients: OutboundHttpService[] = [];
  const make = (...args: Parameters<typeof client>) => {
    const c = client(...args);
    clients.push(c);
    return c;
  };
  const serve = async (handler: Parameters<typeof server>[0]) => {
    const s = await server(handler);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.onApplicationShutdown());
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('sends any method with an XML body and reads a 207 answer in full', async () => {
    const xml = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">${'<d:response/>'.repeat(5000)}</d:multistatus>`;
    const s = await serve((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' });
      res.end(xml);
    });
    const res = await make(true).request({
      method: 'PROPFIND',
      url: `${s.base}/cal/`,
      headers: { depth: '1', 'content-type': 'application/xml' },
      body: '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
      timeoutMs: 2000,
    });
    expect(res.status).toBe(207);
    expect(res.body).toBe(xml);
    expect(res.truncated).toBe(false);
    expect(s.seen[0]).toMatchObject({ method: 'PROPFIND', url: '/cal/' });
    expect(s.seen[0].headers.depth).toBe('1');
    expect(s.seen[0].body).toContain('getetag');
  });

  it('sends an object as JSON, and decompresses a gzip answer', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ key: 'PROJ-1' })));
    });
    const res = await make(true).request({
      method: 'post',
      url: `${s.base}/rest/api/3/issue`,
      body: { fields: { summary: 'x' } },
      timeoutMs: 2000,
    });
    expect(JSON.parse(res.body)).toEqual({ key: 'PROJ-1' });
    expect(s.seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.seen[0].body)).toEqual({ fields: { summary: 'x' } });
  });

  it('cuts a long body at maxBodyBytes and says so', async () => {
    const s = await serve((_req, res) => res.end('x'.repeat(100_000)));
    const res = await make(true).request({
      method: 'GET',
      url: s.base,
      timeoutMs: 2000,
      maxBodyBytes: 1000,
    });
    expect(res.bytes.length).toBe(1000);
    expect(res.truncated).toBe(true);
  });

  it('does not follow redirects unless asked', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const res = await make(true).request({ method: 'GET', url: s.base, timeoutMs: 2000 });
    expect(res.status).toBe(302);
    expect(s.seen).toHaveLength(1);
  });

  it('follows redirects when asked: same origin keeps credentials, another origin drops them', async () => {
    const b = await serve((_req, res) => res.end('at b'));
    const a = await serve((req, res) => {
      if (req.url === '/.well-known/caldav') res.writeHead(301, { location: '/dav/' });
      else if (req.url === '/dav/') res.writeHead(307, { location: `${b.base}/final` });
      res.end();
    });
    const res = await make(true).request({
      method: 'PROPFIND',
      url: `${a.base}/.well-known/caldav`,
      headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 's=1', depth: '0' },
      body: '<propfind/>',
      timeoutMs: 2000,
      followRedirects: 3,
    });
    expect(res).toMatchObject({ status: 200, body: 'at b', url: `${b.base}/final` });
    expect(res.redirects).toEqual([`${a.base}/dav/`, `${b.base}/final`]);
    expect(a.seen.map((r) => r.headers.authorization)).toEqual([
      'Basic dXNlcjpwYXNz',
      'Basic dXNlcjpwYXNz',
    ]);
    expect(b.seen[0].headers.authorization).toBeUndefined();
    expect(b.seen[0].headers.cookie).toBeUndefined();
    expect(b.seen[0]).toMatchObject({ method: 'PROPFIND', body: '<propfind/>' });
  });

  it('turns a 303 into a GET without body', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/form') res.writeHead(303, { location: '/result' });
      res.end('done');
    });
    await make(true).request({
      method: 'POST',
      url: `${s.base}/form`,
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      timeoutMs: 2000,
      followRedirects: 1,
    });
    expect(s.seen[1]).toMatchObject({ method: 'GET', url: '/result', body: '' });
    expect(s.seen[1].headers['content-type']).toBeUndefined();
  });

  it('re-checks every hop: a redirect to a refused address or scheme is not followed', async () => {
    const s = await serve((req, res) => {
      res.writeHead(302, {
        location: req.url === '/a' ? 'http://127.0.0.2:9/x' : 'file:///etc/passwd',
      });
      res.end();
    });
    // Loopback approved by range for the first hop only: 127.0.0.1, not 127.0.0.2.
    const sut = make(false, ['127.0.0.1/32']);
    for (const path of ['/a', '/b'])
      await expect(
        sut.request({
          method: 'GET',
          url: `${s.base}${path}`,
          timeoutMs: 2000,
          followRedirects: 2,
        }),
      ).rejects.toThrow(OutboundRequestError);
    expect(s.seen).toHaveLength(2);
  });

  it('approves private hosts by name, address or range (OUTBOUND_ALLOW_HOSTS) and nothing else', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    const port = new URL(s.base).port;
    const call = (sut: OutboundHttpService, host: string) =>
      sut.request({ method: 'GET', url: `http://${host}:${port}/`, timeoutMs: 2000 });
    await expect(call(make(false), '127.0.0.1')).rejects.toThrow(/OUTBOUND_ALLOW_HOSTS/);
    await expect(call(make(false), 'localhost')).rejects.toThrow(OutboundRequestError);
    expect((await call(make(false, ['localhost']), 'localhost')).status).toBe(200);
    expect((await call(make(false, ['127.0.0.0/8']), 'localhost')).status).toBe(200);
    expect((await call(make(false, ['127.0.0.1']), '127.0.0.1')).status).toBe(200);
    await expect(call(make(false, ['other.example']), 'localhost')).rejects.toThrow(
      OutboundRequestError,
    );
    await expect(
      make(false, ['localhost']).assertUrlAllowed(`http://localhost:${port}/`),
    ).resolves.toBeDefined();
    await expect(make(false).assertUrlAllowed(`http://localhost:${port}/`)).rejects.toMatchObject({
      status: 422,
    });
  });

  it('times out across connect, headers and body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('slow');
      // never ends
    });
    const started = Date.now();
    await expect(
      make(true).request({ method: 'GET', url: s.base, timeoutMs: 200 }),
    ).rejects.toThrow('timed out after 200 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("stops at the caller's signal mid-body and closes the socket, long before its own deadline", async () => {
    let socket: Socket | undefined;
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
      socket = res.socket!;
    });
    const controller = new AbortController();
    const call = make(true).request({
      method: 'GET',
      url: s.base,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    while (!socket) await new Promise((r) => setTimeout(r, 10));
    const closed = new Promise((resolve) => socket!.once('close', resolve));
    controller.abort();
    await expect(call).rejects.toThrow('aborted by the caller');
    await closed;
  });

  it('refuses a header it cannot send as a request error', async () => {
    const s = await serve((_req, res) => res.end());
    await expect(
      make(true).request({
        method: 'GET',
        url: s.base,
        headers: { 'x-bad': 'line\nbreak' },
        timeoutMs: 500,
      }),
    ).rejects.toThrow(OutboundRequestError);
    expect(s.seen).toHaveLength(0);
  });
});
