import { createServer, Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

const hs256 = (secret: string, claims: { sub?: string; aud?: string; exp?: number }) => {
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '1h');
  if (claims.sub) jwt = jwt.setSubject(claims.sub);
  if (claims.aud) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(secret));
};

describe('Auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('admin token', () => {
    it('accepts the admin token', async () => {
      const res = await request(t.url).get('/auth/whoami').set(bearer(t.adminToken)).expect(200);
      expect(res.body).toEqual({ audience: 'admin', id: 'admin-token', via: 'admin-token' });
    });

    it('answers 401 problem+json with WWW-Authenticate when credentials are missing', async () => {
      const res = await request(t.url).get('/events').expect(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="integration-hub", error="invalid_request"',
      );
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    });

    it('answers 401 invalid_token for a wrong token', async () => {
      const res = await request(t.url)
        .get('/events')
        .set(bearer(`${t.adminToken}x`))
        .expect(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('answers 401 for a non-Bearer scheme', async () => {
      await request(t.url)
        .get('/events')
        .set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`)
        .expect(401);
    });
  });

  describe('API keys', () => {
    it('creates a key shown once, lists it without the secret, and revokes it', async () => {
      const created = await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'ops', role: 'admin' })
        .expect(201);
      expect(created.body.key).toMatch(/^ihk_[0-9a-f]{12}_/);
      const key: string = created.body.key;

      await request(t.url).get('/events').set(bearer(key)).expect(200);
      const list = await request(t.url)
        .get('/admin/api-keys')
        .set(bearer(t.adminToken))
        .expect(200);
      const listed = list.body.find((k: { id: string }) => k.id === created.body.id);
      expect(listed).toMatchObject({ name: 'ops', role: 'admin', prefix: key.slice(0, 16) });
      expect(listed.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain(key.slice(17));

      await request(t.url)
        .delete(`/admin/api-keys/${created.body.id}`)
        .set(bearer(t.adminToken))
        .expect(204);
      await request(t.url).get('/events').set(bearer(key)).expect(401);
      await request(t.url)
        .delete(`/admin/api-keys/${created.body.id}`)
        .set(bearer(t.adminToken))
        .expect(404);
    });

    it('stores only a hash of the key', async () => {
      const created = await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'h', role: 'admin' })
        .expect(201);
      const { DataSource } = await import('typeorm');
      const rows: { secret_hash: string }[] = await t.app
        .get(DataSource)
        .query('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
      expect(JSON.stringify(rows)).not.toContain(created.body.key.slice(17));
      expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('lets a publisher key publish events and nothing else', async () => {
      const created = await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'pub', role: 'publisher' })
        .expect(201);
      const key = created.body.key;
      await request(t.url)
        .post('/events')
        .set(bearer(key))
        .send({ type: 'pub.event', source: 'pub' })
        .expect(202);
      const forbidden = await request(t.url).get('/events').set(bearer(key)).expect(403);
      expect(forbidden.body.detail).toContain('admin');
      await request(t.url).get('/admin/api-keys').set(bearer(key)).expect(403);
      await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(key))
        .send({ name: 'x', role: 'admin' })
        .expect(403);
      await request(t.url)
        .post('/admin/user-tokens')
        .set(bearer(key))
        .send({ userId: 'u' })
        .expect(403);
      await request(t.url).get('/metrics').set(bearer(key)).expect(403);
      // Decided: a key may ask who it is (and nothing more), to check itself before publishing.
      const me = await request(t.url).get('/auth/whoami').set(bearer(key)).expect(200);
      expect(me.body).toEqual({ audience: 'publisher', id: created.body.id, via: 'api-key' });
    });

    it('rejects a key with an unknown role, naming the field', async () => {
      const res = await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'x', role: 'root' })
        .expect(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'role' })]);
    });
  });

  describe('user JWTs', () => {
    it('mints a user token that authenticates as that user', async () => {
      const minted = await request(t.url)
        .post('/admin/user-tokens')
        .set(bearer(t.adminToken))
        .send({ userId: 'alice', ttlSeconds: 120 })
        .expect(201);
      expect(new Date(minted.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 100_000);
      const me = await request(t.url)
        .get('/auth/whoami')
        .set(bearer(minted.body.token))
        .expect(200);
      expect(me.body).toEqual({ audience: 'user', id: 'alice', via: 'jwt' });
    });

    it('answers 403 when a user token calls an admin route', async () => {
      const token = await hs256(t.jwtSecret, { sub: 'bob' });
      await request(t.url).get('/events').set(bearer(token)).expect(403);
      await request(t.url)
        .post('/events')
        .set(bearer(token))
        .send({ type: 'a.b', source: 's' })
        .expect(403);
    });

    it('rejects an expired token', async () => {
      const token = await hs256(t.jwtSecret, {
        sub: 'bob',
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      const res = await request(t.url).get('/auth/whoami').set(bearer(token)).expect(401);
      expect(res.body.detail).toBe('token has expired');
    });

    it('rejects a token signed with another secret', async () => {
      const token = await hs256('another-secret-another-secret-another-secret', { sub: 'bob' });
      const res = await request(t.url).get('/auth/whoami').set(bearer(token)).expect(401);
      expect(res.body.detail).toBe('token signature is invalid');
    });

    it('rejects a token without sub', async () => {
      await request(t.url)
        .get('/auth/whoami')
        .set(bearer(await hs256(t.jwtSecret, {})))
        .expect(401);
    });
  });

  describe('issuer, audience and JWKS', () => {
    let jwks: Server;
    let app: TestApp;
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      jwks = createServer((_req, res) =>
        res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
      );
      await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
      const { port } = jwks.address() as { port: number };
      app = await startTestApp({
        env: {
          JWT_SECRET: undefined,
          JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
          JWT_AUDIENCE: 'hub',
          JWT_ISSUER: 'https://idp.example',
        },
      });
    });
    afterAll(async () => {
      await app.close();
      jwks.close();
    });

    const rs256 = (aud: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('carol')
        .setIssuer('https://idp.example')
        .setAudience(aud)
        .setExpirationTime('5m')
        .sign(privateKey);

    it('accepts a token verified through the JWKS URL', async () => {
      const res = await request(app.url)
        .get('/auth/whoami')
        .set(bearer(await rs256('hub')))
        .expect(200);
      expect(res.body.id).toBe('carol');
    });

    it('rejects a token for another audience', async () => {
      const res = await request(app.url)
        .get('/auth/whoami')
        .set(bearer(await rs256('someone-else')))
        .expect(401);
      expect(res.body.detail).toContain('"aud"');
    });

    it('cannot mint tokens without JWT_SECRET and says why', async () => {
      const res = await request(app.url)
        .post('/admin/user-tokens')
        .set(bearer(app.adminToken))
        .send({ userId: 'u' })
        .expect(409);
      expect(res.body.detail).toContain('JWT_SECRET');
    });
  });
});
