import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { CHUNK_BYTES } from '../../src/artifacts/artifact-upload.service.js';
import { StorageMaintenanceJob } from '../../src/storage/maintenance.job.js';
import { signPayloadToken } from '../../src/webhooks/payloads/payload-reference.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from '../webhooks/helpers.js';

const MAX_BYTES = 1024 * 1024;
const SECRET_KEY = randomBytes(32);

interface Described {
  artifactId: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  data?: string;
  encoding?: string;
  url?: string;
  expires_at?: string;
  gone?: boolean;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Artifacts: stored once, described per item in every delivery', () => {
  let t: TestApp;
  let receiver: Receiver;
  let secret: string;
  let db: pg.Client;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...FAST_WEBHOOKS,
        ARTIFACT_MAX_BYTES: String(MAX_BYTES),
        SECRET_KEY: SECRET_KEY.toString('base64'),
      },
    });
    receiver = await Receiver.start();
    ({ secret } = await createEndpoint(t, { url: receiver.url, eventTypes: ['build.*'] }));
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await t?.close();
  });

  async function upload(name: string, bytes: Buffer | string, type = 'application/octet-stream') {
    const res = await request(t.url)
      .post('/artifacts')
      .query({ name })
      .set(bearer(t.adminToken))
      .set('Content-Type', type)
      .send(bytes);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body as {
      id: string;
      name: string;
      contentType: string;
      size: number;
      sha256: string;
    };
  }

  /** The delivery of the event of this type, its signature checked over the bytes received. */
  async function received(type: string) {
    const req = await waitFor(
      () => receiver.requests.find((r) => JSON.parse(r.body).type === type),
      15000,
      `the ${type} delivery`,
    );
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    return { raw: req.body, body: JSON.parse(req.body) };
  }

  /** What a receiver does with a link: a GET without credentials, the bytes checked. */
  async function fetchChecked(a: Described) {
    const res = await fetch(a.url!);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { res, bytes, hashOk: sha256(bytes) === a.sha256 && bytes.length === a.size };
  }

  const rowsNamed = async (name: string) =>
    Number(
      (await db.query(`SELECT count(*)::int AS n FROM artifacts WHERE name = $1`, [name])).rows[0]
        .n,
    );

  it('stores raw bytes with their type and answers their size and sha256', async () => {
    const bytes = randomBytes(3 * 1024 * 100 + 7);
    const key = await request(t.url)
      .post('/admin/api-keys')
      .set(bearer(t.adminToken))
      .send({ name: `uploader-${randomUUID()}`, role: 'publisher' })
      .expect(201);
    const res = await request(t.url)
      .post('/artifacts')
      .query({ name: 'core.dump' })
      .set(bearer(key.body.key))
      .set('Content-Type', 'application/x-core')
      .send(bytes)
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'core.dump',
      contentType: 'application/x-core',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    // Chunk rows, in order, hold exactly the bytes.
    const { rows } = await db.query(
      `SELECT string_agg(data, ''::bytea ORDER BY seq) AS data, count(*)::int AS n
       FROM artifact_chunks WHERE artifact_id = $1`,
      [res.body.id],
    );
    expect(rows[0].n).toBe(Math.ceil(bytes.length / CHUNK_BYTES));
    expect(Buffer.compare(rows[0].data, bytes)).toBe(0);
  });

  it('takes a JSON artifact as bytes, not as a request body to parse', async () => {
    const json = '{"not":"parsed" ,  "kept":"as sent"}';
    const a = await upload('result.json', json, 'application/json');
    expect(a.sha256).toBe(sha256(Buffer.from(json)));
  });

  it('inlines small artifacts (text as text, binary as base64) and links a large one; the rest stays inline', async () => {
    const log = 'step 1 ok\nstep 2 ok\n';
    const png = randomBytes(2000);
    const big = randomBytes(300 * 1024);
    const [small, binary, large] = [
      await upload('build.log', log, 'text/plain; charset=utf-8'),
      await upload('badge.png', png, 'image/png'),
      await upload('bundle.tar', big, 'application/x-tar'),
    ];
    await publish(t, {
      type: 'build.finished',
      source: 'ci',
      data: {
        job_id: 'job-1',
        state: 'succeeded',
        artifacts: [
          { artifactId: small.id },
          { artifactId: binary.id, role: 'badge' },
          { artifactId: large.id },
        ],
      },
    });
    const { body } = await received('build.finished');
    expect(body.data.job_id).toBe('job-1');
    expect(body.data.state).toBe('succeeded');
    expect(body.dataReference).toBeUndefined();
    const [a, b, c] = body.data.artifacts as Described[];
    expect(a).toEqual({
      artifactId: small.id,
      name: 'build.log',
      content_type: 'text/plain; charset=utf-8',
      size: Buffer.byteLength(log),
      sha256: sha256(Buffer.from(log)),
      data: log,
    });
    expect(b).toMatchObject({ role: 'badge', name: 'badge.png', encoding: 'base64', size: 2000 });
    expect(Buffer.from(b.data!, 'base64').equals(png)).toBe(true);
    expect(c).toMatchObject({ name: 'bundle.tar', content_type: 'application/x-tar' });
    expect(c.data).toBeUndefined();
    expect(new URL(c.url!).origin).toBe(t.url);

    const { res, bytes, hashOk } = await fetchChecked(c);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toContain('bundle.tar');
    expect(res.headers.get('repr-digest')).toBe(
      `sha-256=:${Buffer.from(c.sha256, 'hex').toString('base64')}:`,
    );
    expect(hashOk).toBe(true);
    expect(bytes.equals(big)).toBe(true);
  });

  it('keeps data behind a dataReference only when the data itself is too large, its artifacts linked', async () => {
    const small = await upload('notes.txt', 'short notes', 'text/plain');
    await publish(t, {
      type: 'build.huge',
      source: 'ci',
      data: { blob: 'x'.repeat(300 * 1024), artifacts: [{ artifactId: small.id }] },
    });
    const { body } = await received('build.huge');
    expect(body.data).toBeUndefined();
    const ref = body.dataReference as { url: string; size: number; sha256: string };
    const res = await fetch(ref.url);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual({
      size: ref.size,
      sha256: ref.sha256,
    });
    const [linked] = JSON.parse(bytes.toString('utf8')).artifacts as Described[];
    expect(linked).toMatchObject({ name: 'notes.txt', size: 11 });
    expect((await fetchChecked(linked)).hashOk).toBe(true);
  });

  it('refuses a link that expired, was forged, or belongs to another delivery', async () => {
    const big = await upload('trace.bin', randomBytes(400 * 1024));
    await publish(t, {
      type: 'build.traced',
      source: 'ci',
      data: { artifacts: [{ artifactId: big.id }] },
    });
    const [a] = (await received('build.traced')).body.data.artifacts as Described[];
    const url = new URL(a.url!);
    const [, , , deliveryId, , artifactId] = url.pathname.split('/');
    // A token signed with the hub's own link key, for this very link, but already expired.
    const key = createHmac('sha256', SECRET_KEY).update('webhook-payload-links').digest();
    const expired = signPayloadToken(
      key,
      `${deliveryId}/artifacts/${artifactId}`,
      new Date(Date.now() - 1000),
    );
    const asPayload = signPayloadToken(key, deliveryId, new Date(Date.now() + 60_000));
    const [expiry, mac] = url.searchParams.get('token')!.split('.');
    const cases = [
      { token: expired, type: /webhook-payload-token-expired$/ },
      { token: `${Number(expiry) + 3600}.${mac}`, type: /webhook-payload-token-invalid$/ },
      { token: asPayload, type: /webhook-payload-token-invalid$/ },
      { token: '', type: /webhook-payload-token-invalid$/ },
    ];
    for (const { token, type } of cases) {
      const res = await request(t.url).get(url.pathname).query({ token });
      expect({ status: res.status, type: res.body.type }).toEqual({
        status: 403,
        type: expect.stringMatching(type),
      });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await fetchChecked(a)).hashOk).toBe(true);
  });

  it('refuses at publish an event naming an artifact that is not stored, naming the field', async () => {
    const stored = await upload('ok.txt', 'ok', 'text/plain');
    const missing = randomUUID();
    const one = await request(t.url)
      .post('/events')
      .set(bearer(t.adminToken))
      .send({ type: 'build.bad', source: 'ci', data: { artifacts: [{ artifactId: missing }] } })
      .expect(400);
    expect(one.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(one.body.errors).toEqual([
      { field: 'data.artifacts[0].artifactId', message: `no artifact ${missing} is stored` },
    ]);
    const batch = await request(t.url)
      .post('/events')
      .set(bearer(t.adminToken))
      .send([
        { type: 'build.bad', source: 'ci', data: { artifacts: [{ artifactId: stored.id }] } },
        {
          type: 'build.bad',
          source: 'ci',
          data: { artifacts: [{ artifactId: stored.id }, { artifactId: 'nope' }] },
        },
      ])
      .expect(400);
    expect(batch.body.errors).toEqual([
      { field: '[1].data.artifacts[1].artifactId', message: expect.stringMatching(/UUID/) },
    ]);
    const events = await request(t.url)
      .get('/events')
      .query({ type: 'build.bad' })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(events.body.data).toEqual([]);
  });

  it('answers 413 naming ARTIFACT_MAX_BYTES for a declared size over the limit, storing nothing', async () => {
    const name = `declared-${randomUUID()}`;
    const res = await request(t.url)
      .post('/artifacts')
      .query({ name })
      .set(bearer(t.adminToken))
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(MAX_BYTES + 1));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('ARTIFACT_MAX_BYTES');
    expect(await rowsNamed(name)).toBe(0);
  });

  it('answers 413 to a chunked upload that streams past the limit, and removes the chunks it wrote', async () => {
    const name = `streamed-${randomUUID()}`;
    const url = new URL(`/artifacts?name=${name}`, t.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: { ...bearer(t.adminToken), 'content-type': 'application/octet-stream' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      // No Content-Length: the limit is found while streaming, after a whole chunk was stored.
      for (let i = 0; i < 24; i++) req.write(Buffer.alloc(64 * 1024, i));
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).detail).toContain('ARTIFACT_MAX_BYTES');
    expect(await rowsNamed(name)).toBe(0);
    const orphans = await db.query(
      `SELECT count(*)::int AS n FROM artifact_chunks c WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = c.artifact_id)`,
    );
    expect(orphans.rows[0].n).toBe(0);
  });

  it('refuses an upload without a name or with an empty body', async () => {
    await request(t.url)
      .post('/artifacts')
      .set(bearer(t.adminToken))
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(400);
    const name = `empty-${randomUUID()}`;
    const res = await request(t.url)
      .post('/artifacts')
      .query({ name })
      .set(bearer(t.adminToken))
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'body', message: 'must hold at least one byte' }]);
    expect(await rowsNamed(name)).toBe(0);
  });

  it('removes an artifact ARTIFACT_RETENTION after its last use, never before the links sent for it expire', async () => {
    const unused = await upload('old.txt', 'old', 'text/plain');
    const linked = await upload('linked.bin', randomBytes(300 * 1024));
    await publish(t, {
      type: 'build.kept',
      source: 'ci',
      data: { artifacts: [{ artifactId: linked.id }] },
    });
    const [a] = (await received('build.kept')).body.data.artifacts as Described[];
    const { rows } = await db.query(`SELECT last_used_at FROM artifacts WHERE id = $1`, [
      linked.id,
    ]);
    // Held past the expiry of the link the delivery carried.
    expect(rows[0].last_used_at.getTime()).toBeGreaterThanOrEqual(Date.parse(a.expires_at!));
    // Unused for longer than the retention (default 7d).
    await db.query(`UPDATE artifacts SET last_used_at = now() - interval '8 days' WHERE id = $1`, [
      unused.id,
    ]);

    await t.app.get(StorageMaintenanceJob).prune();

    const left = await db.query(`SELECT id FROM artifacts WHERE id = ANY($1::uuid[])`, [
      [unused.id, linked.id],
    ]);
    expect(left.rows.map((r) => r.id)).toEqual([linked.id]);
    const chunks = await db.query(
      `SELECT count(*)::int AS n FROM artifact_chunks WHERE artifact_id = $1`,
      [unused.id],
    );
    expect(chunks.rows[0].n).toBe(0);
    expect((await fetchChecked(a)).hashOk).toBe(true);
    const storage = await request(t.url)
      .get('/admin/storage')
      .set(bearer(t.adminToken))
      .expect(200);
    expect(
      storage.body.tables.find((x: { table: string }) => x.table === 'artifacts'),
    ).toMatchObject({ setting: 'ARTIFACT_RETENTION', retentionSeconds: 7 * 86400 });
  });
});
