import { createHash } from 'node:crypto';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../support/receiver.js';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from './helpers.js';

// Expiry is stored in whole seconds, so a link lives between TTL_MS - 1 s and TTL_MS.
const TTL_MS = 3000;

describe('Webhook bodies stay bounded: large data goes out as a signed reference', () => {
  let t: TestApp;
  let receiver: Receiver;
  let secret: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ...FAST_WEBHOOKS, WEBHOOK_PAYLOAD_URL_TTL: `${TTL_MS}ms` },
    });
    receiver = await Receiver.start();
    ({ secret } = await createEndpoint(t, { url: receiver.url, eventTypes: ['large.*'] }));
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  async function received(type: string) {
    await waitFor(
      () => receiver.requests.find((r) => JSON.parse(r.body).type === type),
      10000,
      `the ${type} delivery`,
    );
    const req = receiver.requests.find((r) => JSON.parse(r.body).type === type)!;
    // Verified with the reference implementation, over the exact bytes received.
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    return { req, body: JSON.parse(req.body) };
  }

  it('sends a 600 KiB event as a reference the receiver can fetch and check', async () => {
    const data = { blob: 'x'.repeat(600 * 1024), n: 1 };
    await publish(t, { type: 'large.big', source: 'test', data });
    const { req, body } = await received('large.big');
    expect(Buffer.byteLength(req.body)).toBeLessThan(2048);
    expect(body.data).toBeUndefined();
    expect(body.dataReference).toMatchObject({
      size: expect.any(Number),
      sha256: expect.any(String),
    });
    const ref = body.dataReference as { url: string; size: number; sha256: string };
    expect(new URL(ref.url).origin).toBe(t.url);

    const res = await request(ref.url)
      .get('')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const bytes = res.body as Buffer;
    expect(bytes.length).toBe(ref.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ref.sha256);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(data);
  });

  it('keeps a small event inline', async () => {
    await publish(t, { type: 'large.small', source: 'test', data: { n: 2 } });
    const { body } = await received('large.small');
    expect(body.data).toEqual({ n: 2 });
    expect(body.dataReference).toBeUndefined();
  });

  it('refuses a forged token, another delivery’s token, and an expired one', async () => {
    await publish(t, [
      { type: 'large.a', source: 'test', data: { blob: 'a'.repeat(300 * 1024) } },
      { type: 'large.b', source: 'test', data: { blob: 'b'.repeat(300 * 1024) } },
    ]);
    const a = new URL((await received('large.a')).body.dataReference.url);
    // The genuine link first, while it is surely fresh (a busy machine may deliver b later).
    await request(t.url).get(`${a.pathname}${a.search}`).expect(200);
    const b = new URL((await received('large.b')).body.dataReference.url);
    const [expiry, mac] = a.searchParams.get('token')!.split('.');
    const forged = `${Number(expiry) + 86400}.${mac}`;
    for (const token of [forged, b.searchParams.get('token')!, 'nonsense', '']) {
      const res = await request(t.url).get(a.pathname).query({ token });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    await new Promise((r) => setTimeout(r, TTL_MS + 1100));
    const expired = await request(t.url).get(`${a.pathname}${a.search}`);
    expect(expired.status).toBe(403);
    expect(expired.body.type).toMatch(/webhook-payload-token-expired$/);
  });
});
