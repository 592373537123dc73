import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

/**
 * A newcomer's private receiver: the 422 must say which setting approves it and that the hub
 * reads it at start-up, and following that advice (the entry it names, then a restart) must
 * let the same URL through.
 */
describe('a webhook receiver on a private address', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is refused with the OUTBOUND_ALLOW_HOSTS entry to add, and saved after a restart with it', async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'false' } });
    const url = 'http://127.0.0.1:9/hook';
    const refused = await request(t.url)
      .post('/webhooks/endpoints')
      .set(bearer(t.adminToken))
      .send({ url })
      .expect(422);
    const message: string = refused.body.errors[0].message;
    expect(refused.body.errors[0].field).toBe('url');
    expect(message).toContain('add 127.0.0.1 to OUTBOUND_ALLOW_HOSTS');
    expect(message).toContain('restart the hub');
    expect(refused.body.detail).toContain(message);

    const databaseUrl = t.databaseUrl;
    await t.close();
    t = await startTestApp({
      databaseUrl,
      env: { OUTBOUND_ALLOW_PRIVATE: 'false', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    });
    await request(t.url)
      .post('/webhooks/endpoints')
      .set(bearer(t.adminToken))
      .send({ url })
      .expect(201);
  });
});
