import pg from 'pg';
import request from 'supertest';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from './helpers.js';

describe('Static endpoint headers: sealed at rest, credentials shown redacted', () => {
  let t: TestApp;
  let receiver: Receiver;
  let db: pg.Client;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    receiver = await Receiver.start();
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await receiver.close();
    await t.close();
  });

  const storedHeaders = async (id: string) =>
    (await db.query('SELECT headers FROM webhook_endpoints WHERE id = $1', [id])).rows[0]
      .headers as Record<string, string>;

  async function deliveredHeaders(type: string) {
    await publish(t, { type, source: 'test', data: {} });
    await waitFor(
      () => receiver.requests.find((r) => JSON.parse(r.body).type === type),
      10000,
      `the ${type} delivery`,
    );
    return receiver.requests.find((r) => JSON.parse(r.body).type === type)!.headers;
  }

  it('keeps no credential header when the URL moves to another origin', async () => {
    const created = await request(t.url)
      .post('/webhooks/endpoints')
      .set(bearer(t.adminToken))
      .send({
        url: receiver.url,
        eventTypes: ['hdr.moved'],
        headers: { Authorization: 'Bearer s3cret-moving', 'x-tenant': 'acme' },
      })
      .expect(201);
    const id = created.body.id as string;
    const elsewhere = new URL(receiver.url);
    elsewhere.port = String(Number(elsewhere.port) + 1);
    const patch = (body: object) =>
      request(t.url).patch(`/webhooks/endpoints/${id}`).set(bearer(t.adminToken)).send(body);
    // Left out, or echoed as [redacted]: the stored token would go to the new origin.
    for (const body of [
      { url: elsewhere.href },
      { url: elsewhere.href, headers: { Authorization: '[redacted]', 'x-tenant': 'acme' } },
    ]) {
      const res = await patch(body).expect(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'headers.Authorization' }),
      ]);
    }
    const stored = (await request(t.url).get(`/webhooks/endpoints/${id}`).set(bearer(t.adminToken)))
      .body;
    expect(stored.url).toBe(receiver.url);
    // Same origin keeps it; another origin with the value given again, or without it, is fine.
    await patch({ url: new URL('/moved-path', receiver.url).href }).expect(200);
    await patch({ url: elsewhere.href, headers: { Authorization: 'Bearer new-host' } }).expect(200);
    await patch({ url: receiver.url, headers: { 'x-tenant': 'acme' } }).expect(200);
  });

  it('seals every value, redacts credentials in answers, and sends them in clear', async () => {
    const res = await request(t.url)
      .post('/webhooks/endpoints')
      .set(bearer(t.adminToken))
      .send({
        url: receiver.url,
        eventTypes: ['hdr.one'],
        headers: { Authorization: 'Bearer s3cret-receiver-token', 'x-tenant': 'acme' },
      })
      .expect(201);
    expect(res.body.headers).toEqual({ Authorization: '[redacted]', 'x-tenant': 'acme' });
    const stored = JSON.stringify(await storedHeaders(res.body.id));
    expect(stored).not.toContain('s3cret-receiver-token');
    expect(stored).not.toContain('acme');
    const got = await request(t.url)
      .get(`/webhooks/endpoints/${res.body.id}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(got.body.headers).toEqual({ Authorization: '[redacted]', 'x-tenant': 'acme' });
    const sent = await deliveredHeaders('hdr.one');
    expect(sent.authorization).toBe('Bearer s3cret-receiver-token');
    expect(sent['x-tenant']).toBe('acme');
    expect(t.logs.some((l) => l.includes('s3cret-receiver-token'))).toBe(false);
  });

  it('keeps a stored credential when a PATCH echoes [redacted], and refuses it for a new name', async () => {
    const { id } = await createEndpoint(t, {
      url: receiver.url,
      eventTypes: ['hdr.two'],
      headers: { authorization: 'Bearer keep-me' },
    });
    const patched = await request(t.url)
      .patch(`/webhooks/endpoints/${id}`)
      .set(bearer(t.adminToken))
      .send({ headers: { authorization: '[redacted]', 'x-tenant': 'beta' } })
      .expect(200);
    expect(patched.body.headers).toEqual({ authorization: '[redacted]', 'x-tenant': 'beta' });
    const sent = await deliveredHeaders('hdr.two');
    expect(sent.authorization).toBe('Bearer keep-me');
    expect(sent['x-tenant']).toBe('beta');

    const refused = await request(t.url)
      .patch(`/webhooks/endpoints/${id}`)
      .set(bearer(t.adminToken))
      .send({ headers: { 'x-api-key': '[redacted]' } })
      .expect(400);
    expect(refused.body.errors[0].field).toBe('headers.x-api-key');
  });

  it('seals plain-text values left by an older version at the next start, and sends them meanwhile', async () => {
    const { id } = await createEndpoint(t, { url: receiver.url, eventTypes: ['hdr.three'] });
    await db.query(`UPDATE webhook_endpoints SET headers = '{"x-legacy": "plain"}' WHERE id = $1`, [
      id,
    ]);
    expect((await deliveredHeaders('hdr.three'))['x-legacy']).toBe('plain');
    const second = await startTestApp({ databaseUrl: t.databaseUrl, env: FAST_WEBHOOKS });
    try {
      expect((await storedHeaders(id))['x-legacy']).toMatch(/^v1\./);
      const shown = await request(second.url)
        .get(`/webhooks/endpoints/${id}`)
        .set(bearer(second.adminToken))
        .expect(200);
      expect(shown.body.headers).toEqual({ 'x-legacy': 'plain' });
    } finally {
      await second.close();
    }
  });
});
