import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboundHttpService } from '../../src/common/outbound/outbound-http.service.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { FAST_WEBHOOKS } from './helpers.js';

describe('Webhook endpoints', () => {
  describe('API', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: FAST_WEBHOOKS });
    });
    afterAll(() => t.close());

    const count = async () =>
      Number(
        (await t.app.get(DataSource).query('SELECT count(*) AS n FROM webhook_endpoints'))[0].n,
      );

    it('creates, reads, updates, lists and deletes an endpoint without ever returning the secret', async () => {
      const created = await request(t.url)
        .post('/webhooks/endpoints')
        .set(bearer(t.adminToken))
        .send({
          url: 'http://127.0.0.1:9/hook',
          description: 'crm',
          eventTypes: ['card.*'],
          metadata: { team: 'a' },
          rateLimitPerSecond: 5,
        })
        .expect(201);
      expect(created.body).toMatchObject({
        url: 'http://127.0.0.1:9/hook',
        eventTypes: ['card.*'],
        enabled: true,
        rateLimitPerSecond: 5,
        metadata: { team: 'a' },
      });
      expect(JSON.stringify(created.body)).not.toMatch(/whsec_|secret/);

      const secret = await request(t.url)
        .get(`/webhooks/endpoints/${created.body.id}/secret`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect(secret.body.secret).toMatch(/^whsec_/);

      const patched = await request(t.url)
        .patch(`/webhooks/endpoints/${created.body.id}`)
        .set(bearer(t.adminToken))
        .send({ enabled: false, eventTypes: [] })
        .expect(200);
      expect(patched.body).toMatchObject({
        enabled: false,
        eventTypes: [],
        disabledReason: 'disabled by an operator',
      });

      const disabledList = await request(t.url)
        .get('/webhooks/endpoints')
        .query({ enabled: 'false' })
        .set(bearer(t.adminToken))
        .expect(200);
      expect(disabledList.body.data.map((e: { id: string }) => e.id)).toContain(created.body.id);
      const enabledList = await request(t.url)
        .get('/webhooks/endpoints')
        .query({ enabled: 'true' })
        .set(bearer(t.adminToken))
        .expect(200);
      expect(enabledList.body.data.map((e: { id: string }) => e.id)).not.toContain(created.body.id);

      await request(t.url)
        .delete(`/webhooks/endpoints/${created.body.id}`)
        .set(bearer(t.adminToken))
        .expect(204);
      await request(t.url)
        .get(`/webhooks/endpoints/${created.body.id}`)
        .set(bearer(t.adminToken))
        .expect(404);
    });

    it('pages the endpoint list with a cursor', async () => {
      for (let i = 0; i < 5; i++) {
        await request(t.url)
          .post('/webhooks/endpoints')
          .set(bearer(t.adminToken))
          .send({ url: `http://127.0.0.1:9/p${i}` })
          .expect(201);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await request(t.url)
          .get('/webhooks/endpoints')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(bearer(t.adminToken))
          .expect(200);
        seen.push(...res.body.data.map((e: { url: string }) => e.url));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.filter((u) => u.includes('/p'))).toEqual([
        'http://127.0.0.1:9/p0',
        'http://127.0.0.1:9/p1',
        'http://127.0.0.1:9/p2',
        'http://127.0.0.1:9/p3',
        'http://127.0.0.1:9/p4',
      ]);
    });

    it('accepts a given secret and rejects a malformed one', async () => {
      const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
      const res = await request(t.url)
        .post('/webhooks/endpoints')
        .set(bearer(t.adminToken))
        .send({ url: 'http://127.0.0.1:9/s', secret })
        .expect(201);
      const read = await request(t.url)
        .get(`/webhooks/endpoints/${res.body.id}/secret`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect(read.body.secret).toBe(secret);
      const short = await request(t.url)
        .post('/webhooks/endpoints')
        .set(bearer(t.adminToken))
        .send({ url: 'http://127.0.0.1:9/s', secret: 'whsec_AAAA' })
        .expect(400);
      expect(short.body.errors).toEqual([expect.objectContaining({ field: 'secret' })]);
    });

    it.each([
      ['an invalid URL', { url: 'not a url' }, 422, 'url'],
      ['an ftp URL', { url: 'ftp://example.com/x' }, 422, 'url'],
      ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/x' }, 422, 'url'],
      [
        'a bad event type',
        { url: 'http://127.0.0.1:9/x', eventTypes: ['Card Created'] },
        400,
        'eventTypes',
      ],
      [
        'a hop-by-hop header',
        { url: 'http://127.0.0.1:9/x', headers: { Connection: 'close' } },
        400,
        'headers.Connection',
      ],
      [
        'a signature header',
        { url: 'http://127.0.0.1:9/x', headers: { 'webhook-signature': 'v1,x' } },
        400,
        'headers.webhook-signature',
      ],
      [
        'too many headers',
        {
          url: 'http://127.0.0.1:9/x',
          headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])),
        },
        400,
        'headers',
      ],
      [
        'an oversized headers map',
        {
          url: 'http://127.0.0.1:9/x',
          headers: Object.fromEntries(
            Array.from({ length: 5 }, (_, i) => [`x-h${i}`, 'v'.repeat(2000)]),
          ),
        },
        400,
        'headers',
      ],
      ['an unknown field', { url: 'http://127.0.0.1:9/x', colour: 'blue' }, 400, 'colour'],
      [
        'a zero rate limit',
        { url: 'http://127.0.0.1:9/x', rateLimitPerSecond: 0 },
        400,
        'rateLimitPerSecond',
      ],
    ])(
      'refuses %s with a problem naming the field and writes nothing',
      async (_name, body, status, field) => {
        const before = await count();
        const res = await request(t.url)
          .post('/webhooks/endpoints')
          .set(bearer(t.adminToken))
          .send(body)
          .expect(status);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
        expect(await count()).toBe(before);
      },
    );

    it('says a missing url "is required" and leaves optional fields alone', async () => {
      const res = await request(t.url)
        .post('/webhooks/endpoints')
        .set(bearer(t.adminToken))
        .send({ description: 'no url', eventTypes: ['card.*'] })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([{ field: 'url', message: 'is required' }]);
    });

    it('answers 404 for an unknown endpoint and 400 for a malformed id', async () => {
      await request(t.url)
        .get('/webhooks/endpoints/00000000-0000-0000-0000-000000000000')
        .set(bearer(t.adminToken))
        .expect(404);
      await request(t.url).get('/webhooks/endpoints/nope').set(bearer(t.adminToken)).expect(400);
    });
  });

  describe('SSRF guard (OUTBOUND_ALLOW_PRIVATE=false)', () => {
    let t: TestApp;
    let receiver: Receiver;
    beforeAll(async () => {
      t = await startTestApp({ env: { ...FAST_WEBHOOKS, OUTBOUND_ALLOW_PRIVATE: 'false' } });
      receiver = await Receiver.start();
    });
    afterAll(async () => {
      await receiver.close();
      await t.close();
    });

    it.each([
      'http://127.0.0.1/hook',
      'http://[::1]/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://0.0.0.0/hook',
      'http://localhost/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:7f00:1]/hook',
      'https://192.168.0.10/hook',
    ])('refuses %s with a 422 naming the address range', async (url) => {
      const res = await request(t.url)
        .post('/webhooks/endpoints')
        .set(bearer(t.adminToken))
        .send({ url })
        .expect(422);
      expect(res.body.errors[0]).toMatchObject({
        field: 'url',
        message: expect.stringMatching(/loopback|private|linkLocal|unspecified/),
      });
    });

    it('checks the address at connect time too, so a hostname that resolves to loopback is refused', async () => {
      const outbound = t.app.get(OutboundHttpService);
      const port = new URL(receiver.url).port;
      await expect(
        outbound.post({
          url: `http://localhost:${port}/hook`,
          body: '{}',
          headers: {},
          timeoutMs: 1000,
        }),
      ).rejects.toThrow(/refused to connect to localhost/);
      await expect(
        outbound.post({
          url: `http://127.0.0.1:${port}/hook`,
          body: '{}',
          headers: {},
          timeoutMs: 1000,
        }),
      ).rejects.toThrow(/refused to connect to 127.0.0.1/);
      expect(receiver.requests).toHaveLength(0);
    });
  });
});
