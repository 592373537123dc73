import { createHmac, timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, deliveriesOf, deliveryDetail, FAST_WEBHOOKS, publish } from './helpers.js';

/** Exactly what a receiver written for GitHub does with X-Hub-Signature-256. */
function githubVerifies(secret: string, rawBody: string, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(
    'sha256=' + createHmac('sha256', secret).update(rawBody).digest('hex'),
    'utf8',
  );
  const got = Buffer.from(header, 'utf8');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe('Signature schemes: Standard Webhooks by default, GitHub-style hex HMAC per endpoint', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  /** A GitHub receiver: 401 unless the signature in `header` verifies with `secret`. */
  function actAsGithubReceiver(secret: () => string, header = 'x-hub-signature-256') {
    const verdicts: boolean[] = [];
    receiver.handler = (req, res) => {
      const ok = githubVerifies(secret(), req.body, req.headers[header]);
      verdicts.push(ok);
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? 'ok' : 'bad signature');
    };
    return verdicts;
  }

  const post = (body: Record<string, unknown>) =>
    request(t.url).post('/webhooks/endpoints').set(bearer(t.adminToken)).send(body);
  const patch = (id: string, body: Record<string, unknown>) =>
    request(t.url).patch(`/webhooks/endpoints/${id}`).set(bearer(t.adminToken)).send(body);

  it('signs a delivery as sha256=<hex HMAC of the raw body> that a GitHub receiver verifies', async () => {
    let secret = '';
    const verdicts = actAsGithubReceiver(() => secret);
    const res = await post({
      url: receiver.url,
      eventTypes: ['hex.one'],
      signature: { scheme: 'hmac-sha256-hex' },
    }).expect(201);
    expect(res.body.signature).toEqual({
      scheme: 'hmac-sha256-hex',
      header: 'x-hub-signature-256',
    });
    secret = (
      await request(t.url)
        .get(`/webhooks/endpoints/${res.body.id}/secret`)
        .set(bearer(t.adminToken))
        .expect(200)
    ).body.secret;
    await publish(t, { type: 'hex.one', source: 't', data: { n: 1 } });
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(t, res.body.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    }, 10000);
    expect(verdicts).toEqual([true]);
    const [req] = receiver.requests;
    expect(req.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(req.headers['webhook-signature']).toBeUndefined();
    expect(req.headers['webhook-id']).toBe(d.webhookId);
    expect(req.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'hex.one', data: { n: 1 } });
  });

  it('signs every retry afresh under the same webhook-id, in a custom header', async () => {
    let secret = '';
    const verdicts: boolean[] = [];
    receiver.handler = (req, res, i) => {
      verdicts.push(githubVerifies(secret, req.body, req.headers['x-signature']));
      res.statusCode = i === 0 ? 500 : 200;
      res.end();
    };
    const ep = await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['hex.retry'],
      signature: { scheme: 'hmac-sha256-hex', header: 'X-Signature' },
    });
    secret = ep.secret;
    await publish(t, { type: 'hex.retry', source: 't' });
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(t, ep.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    }, 10000);
    expect(verdicts).toEqual([true, true]);
    expect(new Set(receiver.ids())).toEqual(new Set([d.webhookId]));
    const detail = await deliveryDetail(t, d.id);
    expect(detail.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
  });

  it('signs a test send with the endpoint scheme', async () => {
    let secret = '';
    const verdicts = actAsGithubReceiver(() => secret);
    const ep = await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['hex.test'],
      signature: { scheme: 'hmac-sha256-hex' },
    });
    secret = ep.secret;
    const res = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/test`)
      .set(bearer(t.adminToken))
      .send({})
      .expect(200);
    expect(res.body.statusCode).toBe(200);
    expect(verdicts).toEqual([true]);
  });

  it('sends one signature per live secret during rotation, newest first, comma-separated', async () => {
    const ep = await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['hex.rotate'],
      signature: { scheme: 'hmac-sha256-hex' },
    });
    const rotated = await request(t.url)
      .post(`/webhooks/endpoints/${ep.id}/secret/rotate`)
      .set(bearer(t.adminToken))
      .send({ graceSeconds: 3600 })
      .expect(200);
    await publish(t, { type: 'hex.rotate', source: 't' });
    await waitFor(() => receiver.requests.length >= 1, 10000, 'delivery');
    const [req] = receiver.requests;
    const parts = String(req.headers['x-hub-signature-256']).split(',');
    expect(parts).toHaveLength(2);
    expect(githubVerifies(rotated.body.secret, req.body, parts[0])).toBe(true);
    expect(githubVerifies(ep.secret, req.body, parts[1])).toBe(true);
  });

  it('keeps Standard Webhooks as the default, verified by the standardwebhooks library', async () => {
    const res = await post({ url: receiver.url, eventTypes: ['std.default'] }).expect(201);
    expect(res.body.signature).toEqual({ scheme: 'standard-webhooks' });
    const secret = (
      await request(t.url)
        .get(`/webhooks/endpoints/${res.body.id}/secret`)
        .set(bearer(t.adminToken))
        .expect(200)
    ).body.secret;
    await publish(t, { type: 'std.default', source: 't', data: { n: 2 } });
    await waitFor(() => receiver.requests.length >= 1, 10000, 'delivery');
    const [req] = receiver.requests;
    expect(req.headers['x-hub-signature-256']).toBeUndefined();
    expect(
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>),
    ).toMatchObject({ type: 'std.default', data: { n: 2 } });
  });

  it('switches schemes with PATCH, and GET shows the current one', async () => {
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['switch.*'] });
    const toHex = await patch(ep.id, {
      signature: { scheme: 'hmac-sha256-hex', header: 'x-sig' },
    }).expect(200);
    expect(toHex.body.signature).toEqual({ scheme: 'hmac-sha256-hex', header: 'x-sig' });
    const got = await request(t.url)
      .get(`/webhooks/endpoints/${ep.id}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(got.body.signature).toEqual({ scheme: 'hmac-sha256-hex', header: 'x-sig' });
    await publish(t, { type: 'switch.hex', source: 't' });
    await waitFor(() => receiver.requests.length >= 1, 10000, 'hex delivery');
    expect(
      githubVerifies(ep.secret, receiver.requests[0].body, receiver.requests[0].headers['x-sig']),
    ).toBe(true);
    expect(receiver.requests[0].headers['webhook-signature']).toBeUndefined();

    const back = await patch(ep.id, { signature: { scheme: 'standard-webhooks' } }).expect(200);
    expect(back.body.signature).toEqual({ scheme: 'standard-webhooks' });
    await publish(t, { type: 'switch.std', source: 't' });
    await waitFor(() => receiver.requests.length >= 2, 10000, 'standard delivery');
    const req = receiver.requests[1];
    expect(req.headers['x-sig']).toBeUndefined();
    expect(() =>
      new Webhook(ep.secret).verify(req.body, req.headers as Record<string, string>),
    ).not.toThrow();
  });

  it('holds the same rules in a CHECK constraint on the column', async () => {
    const ep = await createEndpoint(t, { url: receiver.url });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const set = (value: unknown) =>
        db.query('UPDATE webhook_endpoints SET signature = $2::jsonb WHERE id = $1', [
          ep.id,
          JSON.stringify(value),
        ]);
      for (const bad of [
        { scheme: 'hmac-sha1' },
        { scheme: 'standard-webhooks', header: 'x-sig' },
        { scheme: 'hmac-sha256-hex' },
        { scheme: 'hmac-sha256-hex', header: 'X-Upper' },
        { scheme: 'hmac-sha256-hex', header: 'x-sig', extra: 1 },
      ])
        await expect(set(bad)).rejects.toThrow(/webhook_endpoints_signature_chk/);
      await expect(
        set({ scheme: 'hmac-sha256-hex', header: 'x-hub-signature-256' }),
      ).resolves.toBeDefined();
    } finally {
      await db.end();
    }
  });

  describe('refuses a bad signature field with a 400 naming it', () => {
    const cases: [string, unknown, string][] = [
      ['an unknown scheme', { scheme: 'hmac-sha1' }, 'signature.scheme'],
      ['a missing scheme', { header: 'x-sig' }, 'signature.scheme'],
      ['a bad header name', { scheme: 'hmac-sha256-hex', header: 'x sig' }, 'signature.header'],
      [
        'a reserved header',
        { scheme: 'hmac-sha256-hex', header: 'Content-Type' },
        'signature.header',
      ],
      [
        'a webhook-* header',
        { scheme: 'hmac-sha256-hex', header: 'webhook-id' },
        'signature.header',
      ],
      [
        'a header on the standard scheme',
        { scheme: 'standard-webhooks', header: 'x-sig' },
        'signature.header',
      ],
      ['an unknown member', { scheme: 'standard-webhooks', algo: 'x' }, 'signature.algo'],
      ['a non-object', 'hmac-sha256-hex', 'signature'],
    ];
    it.each(cases)('%s', async (_what, signature, field) => {
      for (const res of [
        await post({ url: receiver.url, signature }),
        await patch((await createEndpoint(t, { url: receiver.url })).id, { signature }),
      ]) {
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('a header that collides with a static header of the endpoint', async () => {
      const created = await post({
        url: receiver.url,
        headers: { 'X-Hub-Signature-256': 'static' },
        signature: { scheme: 'hmac-sha256-hex' },
      });
      expect(created.status).toBe(400);
      expect(created.body.errors).toEqual([expect.objectContaining({ field: 'signature.header' })]);

      const ep = await createEndpoint(t, {
        url: receiver.url,
        signature: { scheme: 'hmac-sha256-hex', header: 'x-sig' },
      });
      const res = await patch(ep.id, { headers: { 'X-Sig': 'static' } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'headers.X-Sig' })]);
    });
  });
});
