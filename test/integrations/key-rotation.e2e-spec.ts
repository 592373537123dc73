import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createSuiteDatabase } from '../support/test-database.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { FAST_INTEGRATIONS } from './helpers.js';

/**
 * SECRET_KEY rotation across restarts on one database: a changed key makes values unreadable
 * (shown, never a 500; a webhook delivery is not sent and its attempt says why),
 * SECRET_KEY_PREVIOUS opens them again, and the re-seal job moves every
 * sealed value (webhook secrets and headers, integration configs) to the new key.
 */
describe('Secret key rotation', () => {
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  let databaseUrl: string;
  let t: TestApp | undefined;

  const start = async (env: Record<string, string | undefined>) => {
    t = await startTestApp({
      databaseUrl,
      env: { ...FAST_INTEGRATIONS, SECRET_KEY_PREVIOUS: undefined, ...env },
    });
    return t;
  };
  const stop = async () => {
    await t?.close();
    t = undefined;
  };
  afterAll(stop);

  it('shows unreadable values, opens them with the previous key, and re-seals them all', async () => {
    databaseUrl = await createSuiteDatabase();
    let app = await start({ SECRET_KEY: keyA });
    const auth = bearer(app.adminToken);
    const config = {
      baseUrl: 'http://127.0.0.1:9/',
      email: 'a@example.com',
      apiToken: 'tok-1234567890',
      projectKey: 'HUB',
    };
    const integration = (
      await request(app.url)
        .post('/integrations')
        .set(auth)
        .send({ kind: 'jira', name: 'j', config })
        .expect(201)
    ).body;
    const endpoint = (
      await request(app.url)
        .post('/webhooks/endpoints')
        .set(auth)
        .send({
          url: 'http://127.0.0.1:9/hook',
          eventTypes: ['rotation.*'],
          headers: { Authorization: 'Bearer header-secret', 'x-tenant': 'acme' },
        })
        .expect(201)
    ).body;
    expect(endpoint).toMatchObject({ configError: null, headers: { 'x-tenant': 'acme' } });
    const secret = (
      await request(app.url).get(`/webhooks/endpoints/${endpoint.id}/secret`).set(auth).expect(200)
    ).body.secret;
    await stop();

    // Key changed, the old one forgotten: shown everywhere, never a 500.
    app = await start({ SECRET_KEY: keyB });
    const lost = await request(app.url).get(`/webhooks/endpoints/${endpoint.id}/secret`).set(auth);
    expect(lost.status).toBe(409);
    expect(lost.headers['content-type']).toContain('application/problem+json');
    expect(lost.body.detail).toContain('SECRET_KEY_PREVIOUS');
    const listed = (await request(app.url).get('/integrations').set(auth).expect(200)).body.data;
    expect(listed).toEqual([
      expect.objectContaining({
        id: integration.id,
        config: null,
        configError: expect.stringContaining('not configured'),
      }),
    ]);
    // One such endpoint never fails a whole list: it is listed with configError.
    const endpoints = (await request(app.url).get('/webhooks/endpoints').set(auth).expect(200)).body
      .data;
    expect(endpoints).toEqual([
      expect.objectContaining({
        id: endpoint.id,
        headers: { Authorization: '[redacted]', 'x-tenant': '[redacted]' },
        configError: expect.stringContaining('SECRET_KEY_PREVIOUS'),
      }),
    ]);
    // A delivery to it is not sent; its attempt says why, and the retry schedule goes on.
    await request(app.url)
      .post('/events')
      .set(auth)
      .send({ type: 'rotation.check', source: 'test', data: {} })
      .expect(202);
    const attempt = await waitFor(
      async () => {
        const page = (
          await request(app.url)
            .get(`/webhooks/deliveries?endpointId=${endpoint.id}`)
            .set(auth)
            .expect(200)
        ).body.data;
        if (page.length === 0) return undefined;
        const detail = (
          await request(app.url).get(`/webhooks/deliveries/${page[0].id}`).set(auth).expect(200)
        ).body;
        return detail.attempts[0] ? { detail, first: detail.attempts[0] } : undefined;
      },
      15000,
      'the first attempt',
    );
    expect(attempt.first).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/^not sent: .*SECRET_KEY_PREVIOUS/),
    });
    expect(attempt.detail.status).toBe('pending');
    const ready = await request(app.url).get('/health/ready').expect(200);
    expect(ready.body.info.secrets.unreadable).toBeGreaterThanOrEqual(3);
    const unknown = (await request(app.url).get('/admin/secrets/status').set(auth).expect(200))
      .body;
    expect(unknown.keys).toContainEqual(
      expect.objectContaining({ status: 'unknown', values: unknown.unreadable }),
    );
    await stop();

    // The old key as previous: everything opens, and the start-up re-seal moves it all to B.
    app = await start({ SECRET_KEY: keyB, SECRET_KEY_PREVIOUS: keyA });
    const status = await waitFor(
      async () => {
        const s = (await request(app.url).get('/admin/secrets/status').set(auth).expect(200)).body;
        return s.toReseal === 0 && s.unreadable === 0 ? s : undefined;
      },
      15000,
      're-seal',
    );
    expect(
      status.keys.find((k: { status: string }) => k.status === 'current').values,
    ).toBeGreaterThanOrEqual(3);
    expect(status.keys.find((k: { status: string }) => k.status === 'previous').values).toBe(0);
    await stop();

    // The previous key is no longer needed.
    app = await start({ SECRET_KEY: keyB });
    expect(
      (
        await request(app.url)
          .get(`/webhooks/endpoints/${endpoint.id}/secret`)
          .set(auth)
          .expect(200)
      ).body.secret,
    ).toBe(secret);
    expect(
      (await request(app.url).get(`/webhooks/endpoints/${endpoint.id}`).set(auth).expect(200)).body,
    ).toMatchObject({ configError: null, headers: { 'x-tenant': 'acme' } });
    const opened = (
      await request(app.url).get(`/integrations/${integration.id}`).set(auth).expect(200)
    ).body;
    expect(opened).toMatchObject({
      configError: null,
      config: { apiToken: '[redacted]', projectKey: 'HUB' },
    });
    expect(
      (await request(app.url).get('/admin/secrets/status').set(auth).expect(200)).body.unreadable,
    ).toBe(0);
  });
});
