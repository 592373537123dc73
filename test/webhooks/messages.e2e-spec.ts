import { createHmac, timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { SecretBoxService } from '../../src/common/security/secret-box.js';
import { StorageMaintenanceJob } from '../../src/storage/maintenance.job.js';
import { ReceiverPool } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { createEndpoint, FAST_WEBHOOKS, publish } from './helpers.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** foreman's VerifySignature: `sha256=<hex HMAC-SHA256(secret, raw body)>`, the secret as bytes. */
function foremanVerify(body: string, signature: string, secret: string): boolean {
  if (!signature.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  const got = Buffer.from(signature.slice(7));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

interface Message {
  id: string;
  webhookId: string;
  status: string;
  attemptCount: number;
  attempts: { attemptNumber: number; statusCode: number | null; error: string | null }[];
}

describe('Per-job callbacks: POST /webhooks/messages', () => {
  let t: TestApp;
  let db: pg.Client;
  const receivers = new ReceiverPool();
  const admin = () => bearer(t.adminToken);

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await receivers.closeAll();
    await t.close();
  });

  const send = (body: Record<string, unknown>, auth = admin()) =>
    request(t.url).post('/webhooks/messages').set(auth).send(body);
  const get = async (id: string, auth = admin()): Promise<Message> =>
    (await request(t.url).get(`/webhooks/messages/${id}`).set(auth).expect(200)).body;
  const settled = async (id: string): Promise<Message> => {
    let message!: Message;
    await waitFor(
      async () => (message = await get(id)).status !== 'pending',
      10000,
      `message ${id} to settle`,
    );
    return message;
  };

  it('delivers one request signed with the given secret, stored before the 202, and shows it by GET without the secret', async () => {
    const receiver = await receivers.start();
    const res = await send({
      url: receiver.url,
      type: 'job.state_changed',
      data: { job_id: 'job-1', state: 'done' },
      secret: SECRET,
    }).expect(202);
    expect(res.body).toEqual({ id: expect.any(String) });

    const message = await settled(res.body.id);
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.headers['webhook-id']).toBe(`msg_${res.body.id.replace(/-/g, '')}`);
    const verified = new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>);
    expect(verified).toEqual({
      type: 'job.state_changed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { job_id: 'job-1', state: 'done' },
    });
    expect(message).toMatchObject({
      id: res.body.id,
      webhookId: req.headers['webhook-id'],
      url: receiver.url,
      type: 'job.state_changed',
      body: 'envelope',
      signature: { scheme: 'standard-webhooks' },
      data: { job_id: 'job-1', state: 'done' },
      status: 'succeeded',
      attemptCount: 1,
      nextAttemptAt: null,
      lastStatusCode: 200,
    });
    expect(message.attempts).toMatchObject([{ attemptNumber: 1, statusCode: 200, error: null }]);
    expect(JSON.stringify(message)).not.toContain(SECRET.slice(6));
    // Sealed at rest, like an endpoint's secret.
    const { rows } = await db.query(
      `SELECT secrets::text AS s FROM webhook_messages WHERE id = $1`,
      [res.body.id],
    );
    expect(rows[0].s).not.toContain(SECRET.slice(6));
  });

  it('generates a secret when none is given, answers it once, and signs with it', async () => {
    const receiver = await receivers.start();
    const res = await send({
      url: receiver.url,
      type: 'job.created',
      data: { job_id: 'j2' },
    }).expect(202);
    expect(res.body).toEqual({ id: expect.any(String), secret: expect.stringMatching(/^whsec_/) });
    await settled(res.body.id);
    const [req] = receiver.requests;
    expect(() =>
      new Webhook(res.body.secret).verify(req.body, req.headers as Record<string, string>),
    ).not.toThrow();
    expect(JSON.stringify(await get(res.body.id))).not.toContain(res.body.secret.slice(6));
  });

  it('retries after a 500 with the same webhook-id, then succeeds; GET shows both attempts', async () => {
    const receiver = await receivers.start((_req, res, i) => {
      res.statusCode = i === 0 ? 500 : 200;
      res.end(i === 0 ? 'down' : 'ok');
    });
    const { body } = await send({
      url: receiver.url,
      type: 'job.state_changed',
      data: { job_id: 'job-3', state: 'running' },
      secret: SECRET,
    }).expect(202);
    const message = await settled(body.id);
    expect(message).toMatchObject({ status: 'succeeded', attemptCount: 2, lastStatusCode: 200 });
    expect(message.attempts).toMatchObject([
      { attemptNumber: 1, statusCode: 500, error: 'receiver answered 500' },
      { attemptNumber: 2, statusCode: 200, error: null },
    ]);
    expect(new Set(receiver.ids())).toEqual(new Set([message.webhookId]));
    expect(receiver.requests).toHaveLength(2);
  });

  it('sends a foreman receiver its flat body, signed sha256=<hex> in its own header', async () => {
    const receiver = await receivers.start();
    const data = {
      job_id: 'job-4',
      state: 'done',
      previous_state: 'running',
      model: 'llama3',
      attempt: 1,
      result: { text: 'ok' },
      error: null,
    };
    const { body } = await send({
      url: receiver.url,
      type: 'job.state_changed',
      data,
      secret: SECRET,
      signature: { scheme: 'hmac-sha256-hex', header: 'X-Foreman-Signature' },
      body: 'flat',
    }).expect(202);
    const message = await settled(body.id);
    expect(message).toMatchObject({
      status: 'succeeded',
      body: 'flat',
      signature: { scheme: 'hmac-sha256-hex', header: 'x-foreman-signature' },
    });
    const [req] = receiver.requests;
    expect(foremanVerify(req.body, String(req.headers['x-foreman-signature']), SECRET)).toBe(true);
    expect(req.headers['webhook-signature']).toBeUndefined();
    const received = JSON.parse(req.body);
    expect(received).toEqual({ ...data, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('keeps the timestamp the data carries in a flat body', async () => {
    const receiver = await receivers.start();
    const { body } = await send({
      url: receiver.url,
      type: 'job.state_changed',
      data: { job_id: 'job-5', timestamp: '2026-05-23T18:29:32-04:00' },
      body: 'flat',
    }).expect(202);
    await settled(body.id);
    expect(JSON.parse(receiver.requests[0].body)).toEqual({
      job_id: 'job-5',
      timestamp: '2026-05-23T18:29:32-04:00',
    });
  });

  it('fails a message whose URL answers 410 at once, and still delivers the next one to that origin', async () => {
    const receiver = await receivers.start((req, res) => {
      res.statusCode = JSON.parse(req.body).data.gone ? 410 : 200;
      res.end();
    });
    const gone = (
      await send({ url: receiver.url, type: 'job.done', data: { gone: true } }).expect(202)
    ).body.id;
    expect(await settled(gone)).toMatchObject({ status: 'failed', attemptCount: 1 });
    const next = (
      await send({ url: receiver.url, type: 'job.done', data: { gone: false } }).expect(202)
    ).body.id;
    expect(await settled(next)).toMatchObject({ status: 'succeeded' });
  });

  it('answers 404 for an unknown id and 400 for one that is not a uuid', async () => {
    const res = await request(t.url)
      .get('/webhooks/messages/00000000-0000-4000-8000-000000000000')
      .set(admin())
      .expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(t.url).get('/webhooks/messages/nope').set(admin()).expect(400);
  });

  it.each([
    ['no url', { type: 'job.done', data: {} }, 'url'],
    ['no type', { url: 'http://127.0.0.1:9/x', data: {} }, 'type'],
    [
      'a type that is not an event type',
      { url: 'http://127.0.0.1:9/x', type: 'Job Done', data: {} },
      'type',
    ],
    ['no data', { url: 'http://127.0.0.1:9/x', type: 'job.done' }, 'data'],
    [
      'data that is not an object',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: [1] },
      'data',
    ],
    [
      'a secret that is not whsec_',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: {}, secret: 'hunter2' },
      'secret',
    ],
    [
      'a secret of too few bytes',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: {}, secret: 'whsec_AAAA' },
      'secret',
    ],
    [
      'an unknown body shape',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: {}, body: 'xml' },
      'body',
    ],
    [
      'an unknown signature scheme',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: {}, signature: { scheme: 'md5' } },
      'signature.scheme',
    ],
    [
      'an unknown field',
      { url: 'http://127.0.0.1:9/x', type: 'job.done', data: {}, headers: {} },
      'headers',
    ],
    [
      'an artifact that is not stored',
      {
        url: 'http://127.0.0.1:9/x',
        type: 'job.done',
        data: { artifacts: [{ artifactId: '00000000-0000-4000-8000-000000000000' }] },
      },
      'data.artifacts[0].artifactId',
    ],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_name, body, field) => {
    const before = await db.query(`SELECT count(*)::int AS n FROM webhook_messages`);
    const res = await send(body).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    const after = await db.query(`SELECT count(*)::int AS n FROM webhook_messages`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('lets a publisher key send and read its own messages, and no other key’s', async () => {
    const key = async (name: string) =>
      bearer(
        (
          await request(t.url)
            .post('/admin/api-keys')
            .set(admin())
            .send({ name, role: 'publisher' })
            .expect(201)
        ).body.key,
      );
    const [mine, theirs] = [await key('jobs-a'), await key('jobs-b')];
    const receiver = await receivers.start();
    const { body } = await send({ url: receiver.url, type: 'job.done', data: {} }, mine).expect(
      202,
    );
    expect((await get(body.id, mine)).id).toBe(body.id);
    await request(t.url).get(`/webhooks/messages/${body.id}`).set(theirs).expect(404);
    expect((await get(body.id)).id).toBe(body.id);
  });

  it('removes a finished message with its delivery after WEBHOOK_RETENTION, and keeps a pending one', async () => {
    const receiver = await receivers.start();
    const done = (await send({ url: receiver.url, type: 'job.done', data: {} }).expect(202)).body
      .id;
    await settled(done);
    const pending = (await send({ url: receiver.url, type: 'job.done', data: {} }).expect(202)).body
      .id;
    await settled(pending);
    // Back to pending, its next attempt an hour away: a message still being retried.
    await db.query(
      `UPDATE webhook_deliveries SET status = 'pending', completed_at = NULL,
         next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
      [pending],
    );
    await db.query(
      `UPDATE webhook_messages SET created_at = now() - interval '40 days' WHERE id = ANY($1::uuid[])`,
      [[done, pending]],
    );
    await t.app.get(StorageMaintenanceJob).prune();
    const left = await db.query(
      `SELECT (SELECT count(*) FROM webhook_messages WHERE id = $1)::int AS done_messages,
              (SELECT count(*) FROM webhook_deliveries WHERE id = $1)::int AS done_deliveries,
              (SELECT count(*) FROM webhook_messages WHERE id = $2)::int AS pending_messages`,
      [done, pending],
    );
    expect(left.rows[0]).toEqual({ done_messages: 0, done_deliveries: 0, pending_messages: 1 });
    await request(t.url).get(`/webhooks/messages/${done}`).set(admin()).expect(404);
  });
});

describe('Body shape of endpoint deliveries', () => {
  let t: TestApp;
  const receivers = new ReceiverPool();
  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
  });
  afterAll(async () => {
    await receivers.closeAll();
    await t.close();
  });

  it('sends {type, timestamp, data} by default and {...data, timestamp} to a flat endpoint, both signed', async () => {
    const [plain, flat] = [await receivers.start(), await receivers.start()];
    const a = await createEndpoint(t, { url: plain.url, eventTypes: ['job.*'] });
    const b = await createEndpoint(t, { url: flat.url, eventTypes: ['job.*'], body: 'flat' });
    const shown = await request(t.url)
      .get(`/webhooks/endpoints/${b.id}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(shown.body.body).toBe('flat');
    await publish(t, {
      type: 'job.done',
      source: 'foreman',
      data: { job_id: 'j9', state: 'done' },
      occurredAt: '2026-11-23T10:00:00.000Z',
    });
    await waitFor(() => plain.requests.length === 1 && flat.requests.length === 1, 10000, 'both');
    const verify = (secret: string, r: (typeof plain.requests)[number]) =>
      new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    expect(verify(a.secret, plain.requests[0])).toEqual({
      type: 'job.done',
      timestamp: '2026-11-23T10:00:00.000Z',
      data: { job_id: 'j9', state: 'done' },
    });
    expect(verify(b.secret, flat.requests[0])).toEqual({
      job_id: 'j9',
      state: 'done',
      timestamp: '2026-11-23T10:00:00.000Z',
    });
  });

  it('switches an endpoint’s shape with PATCH, and refuses an unknown one naming body', async () => {
    const receiver = await receivers.start();
    const ep = await createEndpoint(t, { url: receiver.url, eventTypes: ['shape.switch'] });
    await request(t.url)
      .patch(`/webhooks/endpoints/${ep.id}`)
      .set(bearer(t.adminToken))
      .send({ body: 'flat' })
      .expect(200);
    await publish(t, { type: 'shape.switch', source: 't', data: { n: 1 } });
    await waitFor(() => receiver.requests.length === 1, 10000, 'the flat delivery');
    expect(JSON.parse(receiver.requests[0].body)).toEqual({ n: 1, timestamp: expect.any(String) });
    const res = await request(t.url)
      .post('/webhooks/endpoints')
      .set(bearer(t.adminToken))
      .send({ url: receiver.url, body: 'xml' })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('body');
  });
});

describe('Per-job callbacks and the SSRF guard (OUTBOUND_ALLOW_PRIVATE=false)', () => {
  let t: TestApp;
  let db: pg.Client;
  const receivers = new ReceiverPool();
  beforeAll(async () => {
    t = await startTestApp({ env: { ...FAST_WEBHOOKS, OUTBOUND_ALLOW_PRIVATE: 'false' } });
    db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await receivers.closeAll();
    await t.close();
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'http://localhost/hook',
  ])('refuses %s when it is saved, with a 422 naming url, storing nothing', async (url) => {
    const res = await request(t.url)
      .post('/webhooks/messages')
      .set(bearer(t.adminToken))
      .send({ url, type: 'job.done', data: {} })
      .expect(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'url' });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM webhook_messages WHERE url = $1`,
      [url],
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses to connect to a URL that turned private after it was saved (DNS rebinding)', async () => {
    const receiver = await receivers.start();
    const port = new URL(receiver.url).port;
    // The rows a message saved while its host still resolved publicly would leave.
    const sealed = t.app.get(SecretBoxService).seal(SECRET);
    const { rows } = await db.query(
      `WITH lane AS (
         INSERT INTO webhook_endpoints (owner, target_key, url, secrets)
         VALUES ('webhooks.messages', $1, $1, '[]') RETURNING id
       ), msg AS (
         INSERT INTO webhook_messages (id, url, secrets, created_by)
         VALUES (gen_random_uuid(), $2, jsonb_build_array(jsonb_build_object('sealed', $3::text, 'createdAt', now(), 'expiresAt', null)), 'test')
         RETURNING id
       )
       INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, message_id)
       SELECT msg.id, lane.id, 'job.done', '{"type":"job.done","timestamp":"2026-01-01T00:00:00.000Z","data":{}}', msg.id
       FROM msg, lane RETURNING id`,
      [`http://localhost:${port}`, `http://localhost:${port}/hook`, sealed],
    );
    await db.query(`SELECT pg_notify('hub_webhook_deliveries', '')`);
    const id = rows[0].id;
    let message!: Message;
    await waitFor(
      async () =>
        (message = (
          await request(t.url).get(`/webhooks/messages/${id}`).set(bearer(t.adminToken)).expect(200)
        ).body).attemptCount >= 1,
      10000,
      'the first attempt',
    );
    expect(message.attempts[0].error).toMatch(/refused to connect to localhost/);
    expect(receiver.requests).toHaveLength(0);
  });
});
