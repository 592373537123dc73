import type { IncomingHttpHeaders } from 'node:http';
import { FakeAnswer, FakeServer } from './fake-server.js';

/** A fake whose router throws on one path, as a bug in a fake would. */
class BrokenFake extends FakeServer {
  static async start(): Promise<BrokenFake> {
    const fake = new BrokenFake();
    await fake.listen();
    return fake;
  }
  protected route(
    _method: string,
    url: URL,
    _body: unknown,
    _headers: IncomingHttpHeaders,
  ): FakeAnswer {
    if (url.pathname === '/boom') throw new Error('no such fixture');
    return [200, { ok: true }];
  }
  protected faultBody(status: number): unknown {
    return { status };
  }
}

describe('FakeServer', () => {
  it('answers 500 naming the error when its router throws, and keeps serving', async () => {
    const fake = await BrokenFake.start();
    try {
      const boom = await fetch(`${fake.url}/boom`, { signal: AbortSignal.timeout(5000) });
      expect(boom.status).toBe(500);
      expect(await boom.json()).toEqual({ message: 'fake server error: no such fixture' });
      const ok = await fetch(`${fake.url}/fine`, { signal: AbortSignal.timeout(5000) });
      expect(ok.status).toBe(200);
      expect(fake.requests.map((r) => r.status)).toEqual([500, 200]);
    } finally {
      await fake.close();
    }
  });
});
