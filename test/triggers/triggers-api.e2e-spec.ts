import request from 'supertest';
import { Receiver } from '../support/receiver.js';
import { tableState } from '../support/table-state.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { createTrigger, FAST_WEBHOOKS, secretOf, uniqueName, verified } from './helpers.js';

describe('triggers API: CRUD, validation, secrets and test sends', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST_WEBHOOKS });
    admin = bearer(t.adminToken);
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const action = (over: Record<string, unknown> = {}) => ({
    type: 'webhook',
    url: receiver.url,
    ...over,
  });

  it('creates, reads, lists, changes and deletes a trigger', async () => {
    const name = uniqueName('backup disk full');
    const created = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({
        name,
        matchers: [{ label: 'data.message', op: '=~', value: 'disk .* full' }],
        filter: { severity: 'error, critical' },
        action: action({ headers: { 'x-team': 'ops', authorization: 'Bearer s3cr3t-token' } }),
        repeatInterval: '4h',
        groupBy: ['source'],
      })
      .expect(201);
    expect(created.body).toMatchObject({
      name,
      description: '',
      enabled: true,
      repeatInterval: '4h',
      groupBy: ['source'],
      action: {
        type: 'webhook',
        url: receiver.url,
        secret: '[redacted]',
        headers: { 'x-team': 'ops', authorization: '[redacted]' },
      },
    });
    expect(created.body.createdAt).toMatch(/Z$/);
    expect(JSON.stringify(created.body)).not.toContain('s3cr3t-token');
    const id = created.body.id;

    const got = await request(t.url).get(`/triggers/${id}`).set(admin).expect(200);
    expect(got.body).toEqual(created.body);
    const secret = (await request(t.url).get(`/triggers/${id}/secret`).set(admin).expect(200)).body
      .secret;
    expect(secret).toMatch(/^whsec_/);

    const listed = await request(t.url)
      .get('/triggers')
      .query({ namePrefix: name.slice(0, 12), enabled: true })
      .set(admin)
      .expect(200);
    expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(id);
    const disabledOnly = await request(t.url)
      .get('/triggers')
      .query({ enabled: false })
      .set(admin)
      .expect(200);
    expect(disabledOnly.body.data.map((x: { id: string }) => x.id)).not.toContain(id);

    const patched = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ enabled: false, repeatInterval: '0', description: 'muted' })
      .expect(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      repeatInterval: '0',
      description: 'muted',
      createdAt: created.body.createdAt,
    });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
    expect((await request(t.url).get(`/triggers/${id}`).set(admin).expect(200)).body).toEqual(
      patched.body,
    );

    await request(t.url).delete(`/triggers/${id}`).set(admin).expect(204);
    await request(t.url).get(`/triggers/${id}`).set(admin).expect(404);
    await request(t.url).delete(`/triggers/${id}`).set(admin).expect(404);
  });

  it('pages the list by an opaque cursor', async () => {
    const prefix = uniqueName('paging');
    for (const n of [1, 2, 3]) await createTrigger(t, { name: `${prefix} ${n}`, action: action() });
    const first = await request(t.url)
      .get('/triggers')
      .query({ namePrefix: prefix, limit: 2 })
      .set(admin)
      .expect(200);
    expect(first.body.data).toHaveLength(2);
    const second = await request(t.url)
      .get('/triggers')
      .query({ namePrefix: prefix, limit: 2, cursor: first.body.nextCursor })
      .set(admin)
      .expect(200);
    expect(second.body).toMatchObject({ nextCursor: null });
    expect([...first.body.data, ...second.body.data].map((x: { name: string }) => x.name)).toEqual(
      [1, 2, 3].map((n) => `${prefix} ${n}`),
    );
  });

  it('refuses a taken name with 409 naming the field', async () => {
    const name = uniqueName('dup');
    await createTrigger(t, { name, action: action() });
    const res = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({ name, action: action() })
      .expect(409);
    expect(res.body.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
  });

  it('refuses every bad matcher, shorthand and URL with a 4xx naming the field, writing nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ matchers: [{ label: 'labels.x', op: '=', value: 'a' }] }, 400, 'matchers[0].label'],
      [{ matchers: [{ label: 'source', op: '~', value: 'a' }] }, 400, 'matchers[0].op'],
      [{ matchers: [{ label: 'source', op: '=' }] }, 400, 'matchers[0].value'],
      [{ matchers: [{ label: 'source', op: '=~', value: '(a' }] }, 400, 'matchers[0].value'],
      [
        {
          matchers: [
            { label: 'type', op: '=', value: 'x' },
            { label: 'data.msg', op: '!~', value: '(?=x)' },
          ],
        },
        400,
        'matchers[1].value',
      ],
      [{ matchers: [{ label: 'source', op: '=~', value: 'a{1001}' }] }, 400, 'matchers[0].value'],
      // Valid RE2, but too costly per character (19 s for two 1 MB values before the limit).
      [
        { matchers: [{ label: 'data.message', op: '=~', value: '[ab]*a[ab]{1000}[c-z]' }] },
        400,
        'matchers[0].value',
      ],
      [{ filter: { messageRegex: 'error.{0,1000}timeout' } }, 400, 'filter.messageRegex'],
      [{ filter: { messageRegex: '\\1(a)' } }, 400, 'filter.messageRegex'],
      [{ filter: { severity: 'error, loud' } }, 400, 'filter.severity'],
      [{ filter: { severityAtLeast: 'high' } }, 400, 'filter.severityAtLeast'],
      [{ repeatInterval: '5 minutes' }, 400, 'repeatInterval'],
      [{ groupBy: ['host'] }, 400, 'groupBy'],
      [{ action: action({ url: 'ftp://127.0.0.1/x' }) }, 422, 'action.url'],
      [{ action: action({ url: 'http://user:pw@127.0.0.1/x' }) }, 422, 'action.url'],
      [{ action: action({ url: 'not a url' }) }, 422, 'action.url'],
      [{ action: action({ secret: 'hunter2' }) }, 400, 'action.secret'],
      [{ action: action({ secret: '[redacted]' }) }, 400, 'action.secret'],
      [{ action: action({ secret: '********' }) }, 400, 'action.secret'],
      [{ action: action({ secret: '*******' }) }, 400, 'action.secret'],
      [
        { action: action({ headers: { 'content-length': '1' } }) },
        400,
        'action.headers.content-length',
      ],
      [{ action: { type: 'email', url: receiver.url } }, 400, 'action.type'],
      [{ name: '' }, 400, 'name'],
    ];
    const before = await tableState(t.databaseUrl);
    for (const [body, status, field] of cases) {
      const res = await request(t.url)
        .post('/triggers')
        .set(admin)
        .send({ name: uniqueName('bad'), action: action(), ...body });
      expect({ body, status: res.status, type: res.headers['content-type'] }).toEqual({
        body,
        status,
        type: expect.stringContaining('application/problem+json'),
      });
      expect({ body, fields: res.body.errors.map((e: { field: string }) => e.field) }).toEqual({
        body,
        fields: expect.arrayContaining([field]),
      });
    }
    expect(await tableState(t.databaseUrl)).toEqual(before);
  });

  it('refuses a bad PATCH naming the field and keeps the trigger as it was', async () => {
    const { id } = await createTrigger(t, { action: action() });
    const before = (await request(t.url).get(`/triggers/${id}`).set(admin).expect(200)).body;
    const res = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ matchers: [{ label: 'source', op: '=~', value: '(?<name' }], enabled: false })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['matchers[0].value']);
    expect((await request(t.url).get(`/triggers/${id}`).set(admin).expect(200)).body).toEqual(
      before,
    );
  });

  it('keeps no credential header when the action URL moves to another origin', async () => {
    const { id } = await createTrigger(t, {
      action: action({ headers: { authorization: 'Bearer real-token', 'x-team': 'ops' } }),
    });
    const read = (await request(t.url).get(`/triggers/${id}`).set(admin).expect(200)).body;
    // Another port is another origin: the stored token would reach a server nobody vetted.
    const elsewhere = new URL(receiver.url);
    elsewhere.port = String(Number(elsewhere.port) + 1);
    const moved = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ action: { ...read.action, url: elsewhere.href } })
      .expect(400);
    expect(moved.body.errors).toEqual([
      expect.objectContaining({ field: 'action.headers.authorization' }),
    ]);
    expect((await request(t.url).get(`/triggers/${id}`).set(admin)).body.action.url).toBe(
      read.action.url,
    );
    // The same origin keeps it; a moved URL with the value given again is fine.
    const samePath = new URL('/other-path', receiver.url).href;
    await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ action: { ...read.action, url: samePath } })
      .expect(200);
    await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({
        action: {
          ...read.action,
          url: elsewhere.href,
          headers: { authorization: 'Bearer for-the-new-host', 'x-team': 'ops' },
        },
      })
      .expect(200);
  });

  it('keeps the secret and redacted headers through a PATCH that echoes [redacted]', async () => {
    const secret = secretOf(9);
    const { id } = await createTrigger(t, {
      action: action({ secret, headers: { authorization: 'Bearer real-token', 'x-team': 'ops' } }),
    });
    const read = (await request(t.url).get(`/triggers/${id}`).set(admin).expect(200)).body;
    expect(read.action).toMatchObject({
      secret: '[redacted]',
      headers: { authorization: '[redacted]' },
    });

    // A form posts back what it read, with one change.
    await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ action: { ...read.action, headers: { ...read.action.headers, 'x-team': 'sre' } } })
      .expect(200);
    expect((await request(t.url).get(`/triggers/${id}/secret`).set(admin)).body.secret).toBe(
      secret,
    );
    await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ name: uniqueName('renamed') })
      .expect(200);
    expect((await request(t.url).get(`/triggers/${id}/secret`).set(admin)).body.secret).toBe(
      secret,
    );

    const before = receiver.requests.length;
    const test = await request(t.url).post(`/triggers/${id}/test`).set(admin).send({}).expect(200);
    expect(test.body).toMatchObject({ ok: true, statusCode: 200, bodyExcerpt: 'ok', error: null });
    expect(test.body.durationMs).toEqual(expect.any(Number));
    const sent = receiver.requests[before];
    expect(verified(secret, sent)).toMatchObject({
      type: 'event_trigger',
      trigger_id: id,
      event: { type: 'trigger.test', source: 'integration-hub' },
    });
    expect(sent.headers).toMatchObject({ authorization: 'Bearer real-token', 'x-team': 'sre' });

    // A new value replaces it: the next send is signed with it.
    const next = secretOf(10);
    await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ action: { type: 'webhook', url: receiver.url, secret: next } })
      .expect(200);
    expect((await request(t.url).get(`/triggers/${id}/secret`).set(admin)).body.secret).toBe(next);
    const afterChange = receiver.requests.length;
    await request(t.url).post(`/triggers/${id}/test`).set(admin).send({}).expect(200);
    expect(verified(next, receiver.requests[afterChange]).trigger_id).toBe(id);
    expect(() => verified(secret, receiver.requests[afterChange])).toThrow();
  });

  it('still keeps the secret when an older client sends the deprecated ******** placeholder', async () => {
    const secret = secretOf(13);
    const { id } = await createTrigger(t, { action: action({ secret }) });
    const patched = await request(t.url)
      .patch(`/triggers/${id}`)
      .set(admin)
      .send({ action: { type: 'webhook', url: receiver.url, secret: '********' } })
      .expect(200);
    expect(patched.body.action.secret).toBe('[redacted]');
    expect((await request(t.url).get(`/triggers/${id}/secret`).set(admin)).body.secret).toBe(
      secret,
    );
    const before = receiver.requests.length;
    await request(t.url).post(`/triggers/${id}/test`).set(admin).send({}).expect(200);
    expect(verified(secret, receiver.requests[before]).trigger_id).toBe(id);
  });

  it.each(['[redacted]', '********'])(
    'test-sends a draft action with the stored secret swapped in for %s',
    async (placeholder) => {
      const secret = secretOf(11);
      const { id } = await createTrigger(t, { action: action({ secret }) });
      const other = await Receiver.start((_req, res) => {
        res.statusCode = 503;
        res.end('down for maintenance');
      });
      try {
        const res = await request(t.url)
          .post(`/triggers/${id}/test`)
          .set(admin)
          .send({
            action: { type: 'webhook', url: other.url, secret: placeholder },
            event: {
              type: 'backup.failed',
              source: 'backup',
              severity: 'error',
              data: { message: 'disk full' },
            },
          })
          .expect(200);
        expect(res.body).toMatchObject({
          ok: false,
          statusCode: 503,
          bodyExcerpt: 'down for maintenance',
        });
        expect(verified(secret, other.requests[0])).toMatchObject({
          trigger_id: id,
          event: {
            type: 'backup.failed',
            source: 'backup',
            severity: 'error',
            data: { message: 'disk full' },
          },
        });
      } finally {
        await other.close();
      }
    },
  );

  it('test-sends an unsaved trigger body and saves nothing', async () => {
    const secret = secretOf(12);
    const name = uniqueName('draft');
    const before = receiver.requests.length;
    const res = await request(t.url)
      .post('/triggers/test')
      .set(admin)
      .send({ trigger: { name, action: action({ secret }) } })
      .expect(200);
    expect(res.body).toMatchObject({ ok: true, statusCode: 200 });
    expect(verified(secret, receiver.requests[before])).toMatchObject({ trigger_name: name });
    const listed = await request(t.url).get('/triggers').query({ namePrefix: name }).set(admin);
    expect(listed.body.data).toEqual([]);

    const bad = await request(t.url)
      .post('/triggers/test')
      .set(admin)
      .send({ trigger: { name, action: action({ url: 'ftp://127.0.0.1/' }) } })
      .expect(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['trigger.action.url']);
    for (const secret of ['[redacted]', '********']) {
      const placeholder = await request(t.url)
        .post('/triggers/test')
        .set(admin)
        .send({ trigger: { name, action: action({ secret }) } })
        .expect(400);
      expect(placeholder.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'trigger.action.secret',
      ]);
    }
  });

  it('answers a test send to an unreachable receiver with the failed attempt', async () => {
    const { id } = await createTrigger(t, { action: action({ url: 'http://127.0.0.1:9/closed' }) });
    const res = await request(t.url).post(`/triggers/${id}/test`).set(admin).send({}).expect(200);
    expect(res.body).toMatchObject({ ok: false, statusCode: null });
    expect(res.body.error).toEqual(expect.any(String));
  });
});

describe('triggers API with the SSRF guard in force', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'false' } });
  });
  afterAll(() => t.close());

  it('refuses private, loopback and metadata addresses when a trigger is saved (no request sent)', async () => {
    for (const url of [
      'http://10.0.0.1/hook',
      'http://127.0.0.1:9/hook',
      'http://169.254.169.254/',
    ]) {
      const res = await request(t.url)
        .post('/triggers')
        .set(bearer(t.adminToken))
        .send({ name: uniqueName('ssrf'), action: { type: 'webhook', url } });
      expect({
        url,
        status: res.status,
        fields: res.body.errors?.map((e: { field: string }) => e.field),
      }).toEqual({
        url,
        status: 422,
        fields: ['action.url'],
      });
    }
    const listed = await request(t.url).get('/triggers').set(bearer(t.adminToken)).expect(200);
    expect(listed.body.data).toEqual([]);
  });
});
