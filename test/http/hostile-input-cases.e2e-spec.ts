import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { rawRequest, RawResponse } from '../support/raw-http.js';
import { settledTableState, tableState } from '../support/table-state.js';
import { userToken } from '../sync/helpers.js';

/**
 * The client-at-fault 500s of issue 9, one by one: each answers a 4xx problem+json naming
 * the field, and writes nothing. The route-by-route sweep is hostile-input.e2e-spec.ts.
 */
const APP = 'hostile';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const syncCursor = (tx: string, seq: string) =>
  Buffer.from(`1|${APP}|${tx}|${seq}`).toString('base64url');
const TWENTY_DIGITS = '99999999999999999999';

describe('hostile input: the named cases', () => {
  let t: TestApp;
  let admin: { Authorization: string };
  let user: { Authorization: string };
  let endpointId: string;
  let spaceId: string;

  /** Sends, then checks the answer is a problem naming `field` and that no table moved. */
  async function refused(
    send: () => Promise<RawResponse | request.Response>,
    expected: { status?: number; field?: string } = {},
  ): Promise<Record<string, unknown>> {
    const before = await tableState(t.databaseUrl);
    const res = await send();
    const body = ('text' in res ? res.body : undefined) as Record<string, unknown> | undefined;
    const summary = { status: res.status, type: res.headers['content-type'], body };
    expect(summary.status).toBeGreaterThanOrEqual(400);
    expect(summary.status).toBeLessThan(500);
    if (expected.status) expect(summary).toMatchObject({ status: expected.status });
    expect(summary.type).toMatch(/^application\/problem\+json/);
    if (expected.field)
      expect(body?.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: expected.field })]),
      );
    expect(await tableState(t.databaseUrl)).toEqual(before);
    return body ?? {};
  }

  const json =
    (method: string, path: string, body: unknown, auth = admin) =>
    () =>
      rawRequest(t.url, {
        method,
        path,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
    admin = bearer(t.adminToken);
    user = bearer(await userToken(t, 'alice'));
    const endpoint = await request(t.url)
      .post('/webhooks/endpoints')
      .set(admin)
      .send({ url: 'http://127.0.0.1:9/hook', enabled: false })
      .expect(201);
    endpointId = endpoint.body.id;
    const space = await request(t.url)
      .post(`/sync/${APP}/spaces`)
      .set(user)
      .send({ name: 'board' })
      .expect(201);
    spaceId = space.body.id;
    await settledTableState(t.databaseUrl);
  });
  afterAll(() => t.close());

  describe('text PostgreSQL cannot store', () => {
    it('refuses NUL in event data, naming the path', () =>
      refused(json('POST', '/events', { type: 'a.b', source: 's', data: { note: 'x\u0000y' } }), {
        status: 400,
        field: 'data.note',
      }));

    it('refuses NUL in a batch item, naming its index', () =>
      refused(json('POST', '/events', [{ type: 'a.b', source: 's\u0000' }]), {
        field: '[0].source',
      }));

    it('refuses a lone surrogate in an API key name', () =>
      refused(json('POST', '/admin/api-keys', { name: 'k\ud800', role: 'admin' }), {
        status: 400,
        field: 'name',
      }));

    it.each([
      ['url', { url: 'http://127.0.0.1:9/\u0000' }, 'url'],
      ['description', { url: 'http://127.0.0.1:9/', description: 'a\u0000' }, 'description'],
      [
        'metadata',
        { url: 'http://127.0.0.1:9/', metadata: { k: { deep: '\u0000' } } },
        'metadata.k.deep',
      ],
      [
        'a metadata key',
        { url: 'http://127.0.0.1:9/', metadata: { 'k\u0000': 1 } },
        'metadata."k\\u0000"',
      ],
    ])('refuses NUL in an endpoint %s', (_what, body, field) =>
      refused(json('POST', '/webhooks/endpoints', body), { status: 400, field }),
    );

    it('refuses NUL in a space name and in a member id', async () => {
      await refused(json('POST', `/sync/${APP}/spaces`, { name: 'a\u0000' }, user), {
        field: 'name',
      });
      await refused(
        json('POST', `/sync/${APP}/spaces/${spaceId}/members`, { userId: 'b\u0000' }, user),
        { field: 'userId' },
      );
    });

    it('refuses NUL in a path parameter', () =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'DELETE',
            path: `/sync/${APP}/spaces/${spaceId}/members/x%00y`,
            headers: user,
          }),
        { status: 400, field: 'userId' },
      ));

    it('refuses NUL in a query parameter', () =>
      refused(
        () => rawRequest(t.url, { method: 'GET', path: '/events?source=a%00b', headers: admin }),
        { status: 400, field: 'source' },
      ));

    it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
      ['clientId', { clientId: 'c\u0000' }, {}, 'clientId'],
      ['eventId', {}, { eventId: 'e\u0000' }, 'changes[0].eventId'],
      ['id', {}, { id: '\ud800' }, 'changes[0].id'],
      ['data', {}, { data: { title: 'x\u0000' } }, 'changes[0].data.title'],
      ['a data key', {}, { data: { 't\u0000': 1 } }, 'changes[0].data."t\\u0000"'],
    ])('refuses NUL or a lone surrogate in a sync %s', (_what, bodyPatch, changePatch, field) => {
      const change = {
        eventId: 'e1',
        table: 'cards',
        id: 'card-1',
        op: 'insert',
        data: { title: 't' },
        ...changePatch,
      };
      const body = { clientId: 'dev', ...bodyPatch, changes: [change] };
      return refused(json('POST', `/sync/${APP}`, body, user), { status: 400, field });
    });

    it('refuses NUL in a sync field name', () =>
      refused(
        json(
          'POST',
          `/sync/${APP}`,
          {
            clientId: 'dev',
            changes: [
              {
                eventId: 'e2',
                table: 'cards',
                id: 'card-1',
                op: 'update',
                fields: { 'ti\u0000tle': { value: 1, at: new Date().toISOString() } },
              },
            ],
          },
          user,
        ),
        { status: 400, field: 'changes[0].fields."ti\\u0000tle"' },
      ));

    it('refuses NUL in a minted user token id', () =>
      refused(json('POST', '/admin/user-tokens', { userId: 'u\u0000' }), { field: 'userId' }));
  });

  describe('bodies as a whole', () => {
    it('refuses JSON nested 10,000 levels deep with a 400 naming the limit', async () => {
      const deep = `{"type":"a.b","source":"s","data":${'['.repeat(10000)}${']'.repeat(10000)}}`;
      const body = await refused(
        () =>
          rawRequest(t.url, {
            method: 'POST',
            path: '/events',
            headers: { ...admin, 'content-type': 'application/json' },
            body: deep,
          }),
        { status: 400 },
      );
      expect(body.detail).toMatch(/deeper than 64 levels/);
    });

    it('refuses invalid UTF-8 rather than storing U+FFFD', () =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'POST',
            path: '/events',
            headers: { ...admin, 'content-type': 'application/json' },
            body: Buffer.concat([
              Buffer.from('{"type":"a.b","source":"'),
              Buffer.from([0xc3, 0x28, 0xff]),
              Buffer.from('"}'),
            ]),
          }),
        { status: 400 },
      ));

    it('refuses percent-escapes that are not UTF-8 in a query string, naming the parameter', () =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: `/sync/${APP}/stream?collections=cards&clientId=%FF%FE`,
            headers: user,
          }),
        { status: 400, field: 'clientId' },
      ));

    it.each(['__proto__', 'constructor'])('refuses a top-level %s key', (key) =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'POST',
            path: '/admin/api-keys',
            headers: { ...admin, 'content-type': 'application/json' },
            body: `{"name":"k","role":"admin","${key}":{"x":1}}`,
          }),
        { status: 400, field: key },
      ),
    );

    it.each([
      ['POST', 'secret/rotate', 'text/plain'],
      ['POST', 'test', 'text/plain'],
      ['PATCH', '', 'text/plain'],
      ['POST', 'secret/rotate', undefined],
      ['PATCH', '', 'application/x-www-form-urlencoded'],
    ])('refuses %s .../%s with a %s body (415) and does not act', async (method, tail, type) => {
      const before = await request(t.url)
        .get(`/webhooks/endpoints/${endpointId}/secret`)
        .set(admin)
        .expect(200);
      await refused(
        () =>
          rawRequest(t.url, {
            method,
            path: `/webhooks/endpoints/${endpointId}${tail ? `/${tail}` : ''}`,
            headers: { ...admin, ...(type ? { 'content-type': type } : {}) },
            body: '{"enabled":true}',
          }),
        { status: 415 },
      );
      const after = await request(t.url)
        .get(`/webhooks/endpoints/${endpointId}/secret`)
        .set(admin)
        .expect(200);
      expect(after.body).toEqual(before.body);
    });

    it('still acts on a request with no body at all', async () => {
      const res = await rawRequest(t.url, {
        method: 'POST',
        path: `/webhooks/endpoints/${endpointId}/secret/rotate`,
        headers: { ...admin, 'content-length': '0' },
      });
      expect(res.status).toBe(200);
    });
  });

  describe('cursors and ids', () => {
    it('refuses a forged events cursor', () =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: `/events?cursor=${b64({ v: 1, before: 'abc' })}`,
            headers: admin,
          }),
        { status: 400, field: 'cursor' },
      ));

    it.each(['/webhooks/endpoints', '/webhooks/deliveries'])(
      'refuses a forged cursor on %s',
      (path) =>
        refused(
          () =>
            rawRequest(t.url, {
              method: 'GET',
              path: `${path}?cursor=${b64({ v: 1, at: 'x', id: 'y' })}`,
              headers: admin,
            }),
          { status: 400, field: 'cursor' },
        ),
    );

    it('refuses an id beyond bigint in sinceId and in replay eventIds', async () => {
      await refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: '/events?sinceId=9223372036854775808',
            headers: admin,
          }),
        { status: 400, field: 'sinceId' },
      );
      await refused(
        json('POST', `/webhooks/endpoints/${endpointId}/replay`, {
          eventIds: ['9223372036854775808'],
        }),
        { status: 400, field: 'eventIds' },
      );
    });

    it.each([
      [TWENTY_DIGITS, '1'],
      ['1', TWENTY_DIGITS],
    ])('refuses a sync cursor (tx %s, seq %s) on push, pull and stream', async (tx, seq) => {
      const since = syncCursor(tx, seq);
      await refused(json('POST', `/sync/${APP}`, { clientId: 'dev', since, changes: [] }, user), {
        status: 400,
        field: 'since',
      });
      await refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: `/sync/${APP}/pull?collection=cards&since=${since}`,
            headers: user,
          }),
        { status: 400, field: 'since' },
      );
      await refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: `/sync/${APP}/stream?collections=cards&since=${since}`,
            headers: user,
          }),
        { status: 400, field: 'since' },
      );
    });

    it('refuses year 0 in sync times', () =>
      refused(
        json(
          'POST',
          `/sync/${APP}`,
          {
            clientId: 'dev',
            changes: [
              {
                eventId: 'e3',
                table: 'cards',
                id: 'card-1',
                op: 'insert',
                data: { title: 't' },
                at: '0000-01-01T00:00:00Z',
              },
            ],
          },
          user,
        ),
        { status: 400, field: 'changes[0].at' },
      ));

    it('refuses year 0 in event times', () =>
      refused(
        json('POST', '/events', { type: 'a.b', source: 's', occurredAt: '0000-01-01T00:00:00Z' }),
        { status: 400, field: 'occurredAt' },
      ));
  });

  describe('limits', () => {
    it('limits the test event type and endpoint event type filters to 200 characters', async () => {
      const long = `a.${'b'.repeat(199)}`;
      await refused(json('POST', `/webhooks/endpoints/${endpointId}/test`, { eventType: long }), {
        status: 400,
        field: 'eventType',
      });
      await refused(
        json('POST', '/webhooks/endpoints', { url: 'http://127.0.0.1:9/', eventTypes: [long] }),
        { status: 400, field: 'eventTypes' },
      );
    });

    it('limits X-Client-Id like the body clientId', () =>
      refused(
        () =>
          rawRequest(t.url, {
            method: 'GET',
            path: `/sync/${APP}/pull?collection=cards`,
            headers: { ...user, 'x-client-id': 'c'.repeat(201) },
          }),
        { status: 400, field: 'X-Client-Id' },
      ));

    it('refuses CR/LF in an endpoint URL instead of storing them', () =>
      refused(json('POST', '/webhooks/endpoints', { url: 'http://127.0.0.1:9/a\r\nb' }), {
        field: 'url',
      }));

    it.each([
      [{ 'user-agent': 'evil' }, 'headers.user-agent'],
      [{ 'x-tenant': 'Zürich €' }, 'headers.x-tenant'],
    ])('refuses static header %j, naming it', (headers, field) =>
      refused(json('POST', '/webhooks/endpoints', { url: 'http://127.0.0.1:9/', headers }), {
        status: 400,
        field,
      }),
    );

    it('accepts Latin-1 in a static header value', async () => {
      const res = await request(t.url)
        .post('/webhooks/endpoints')
        .set(admin)
        .send({ url: 'http://127.0.0.1:9/', enabled: false, headers: { 'x-tenant': 'Zürich' } })
        .expect(201);
      expect(res.body.headers).toEqual({ 'x-tenant': 'Zürich' });
    });
  });

  describe('free-form JSON is kept as sent', () => {
    it('stores event data with constructor and __proto__ keys as is', async () => {
      const res = await rawRequest(t.url, {
        method: 'POST',
        path: '/events',
        headers: { ...admin, 'content-type': 'application/json' },
        body: '{"type":"free.form","source":"s","data":{"constructor":{"name":"x"},"nested":{"__proto__":{"y":1},"constructor":"c"}}}',
      });
      expect(res.status).toBe(202);
      const list = await request(t.url).get('/events?type=free.*').set(admin).expect(200);
      const data = list.body.data[0].data as Record<string, Record<string, unknown>>;
      expect(Object.getOwnPropertyDescriptor(data, 'constructor')?.value).toEqual({ name: 'x' });
      expect(Object.getOwnPropertyDescriptor(data.nested, '__proto__')?.value).toEqual({ y: 1 });
      expect(Object.getOwnPropertyDescriptor(data.nested, 'constructor')?.value).toBe('c');
    });

    it('stores endpoint metadata with a constructor key as is', async () => {
      const res = await request(t.url)
        .post('/webhooks/endpoints')
        .set(admin)
        .send({ url: 'http://127.0.0.1:9/', enabled: false, metadata: { constructor: { a: 1 } } })
        .expect(201);
      expect(res.body.metadata).toEqual({ constructor: { a: 1 } });
    });
  });
});
