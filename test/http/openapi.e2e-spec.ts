import request from 'supertest';
import { Parameter, sample } from '../support/hostile-variants.js';
import {
  DocOperation,
  OpenApiDoc,
  operations,
  undescribed,
  unexemplified,
} from '../support/openapi-standard.js';
import { rawRequest } from '../support/raw-http.js';
import { createRouteFixtures } from '../support/route-fixtures.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

/**
 * Every route with the audience it accepts. A change of access shows up here in review;
 * a route missing from this table fails the test.
 */
const ROUTES: Record<string, 'public' | 'admin' | 'admin+publisher' | 'any' | 'user'> = {
  'GET /health': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'admin',
  'GET /auth/whoami': 'any',
  'POST /admin/api-keys': 'admin',
  'GET /admin/api-keys': 'admin',
  'DELETE /admin/api-keys/{id}': 'admin',
  'POST /admin/user-tokens': 'admin',
  'GET /admin/secrets/status': 'admin',
  'POST /admin/secrets/reseal': 'admin',
  'GET /admin/storage': 'admin',
  'POST /events': 'admin+publisher',
  'GET /events': 'admin',
  'GET /events/consumers': 'admin',
  'GET /events/consumers/{name}/failures': 'admin',
  'POST /webhooks/endpoints': 'admin',
  'GET /webhooks/endpoints': 'admin',
  'GET /webhooks/endpoints/{id}': 'admin',
  'PATCH /webhooks/endpoints/{id}': 'admin',
  'DELETE /webhooks/endpoints/{id}': 'admin',
  'GET /webhooks/endpoints/{id}/secret': 'admin',
  'POST /webhooks/endpoints/{id}/secret/rotate': 'admin',
  'POST /webhooks/endpoints/{id}/recover': 'admin',
  'POST /webhooks/endpoints/{id}/replay': 'admin',
  'POST /webhooks/endpoints/{id}/test': 'admin',
  'GET /webhooks/endpoints/{id}/stats': 'admin',
  'GET /webhooks/deliveries': 'admin',
  'GET /webhooks/deliveries/{id}': 'admin',
  // The token in the URL is the credential: receivers fetch large data with nothing else.
  'GET /webhooks/payloads/{deliveryId}': 'public',
  'GET /webhooks/payloads/{deliveryId}/artifacts/{artifactId}': 'public',
  'POST /artifacts': 'admin+publisher',
  'POST /webhooks/deliveries/{id}/retry': 'admin',
  // Per-job callbacks: sent by the services that publish; a publisher key reads only its own.
  'POST /webhooks/messages': 'admin+publisher',
  'GET /webhooks/messages/{id}': 'admin+publisher',
  'POST /integrations': 'admin',
  'POST /integrations/test': 'admin',
  'GET /integrations': 'admin',
  'GET /integrations/{id}': 'admin',
  'PATCH /integrations/{id}': 'admin',
  'DELETE /integrations/{id}': 'admin',
  'POST /integrations/{id}/test': 'admin',
  'GET /integrations/{id}/logs': 'admin',
  'GET /integrations/{id}/cards/{cardId}': 'admin',
  'POST /integrations/{id}/cards/{cardId}/resync': 'admin',
  'GET /jobs': 'admin',
  'GET /jobs/stats': 'admin',
  'GET /jobs/schedules': 'admin',
  'GET /jobs/{id}': 'admin',
  'POST /jobs/{id}/retry': 'admin',
  'POST /jobs/{id}/cancel': 'admin',
  'POST /triggers': 'admin',
  'GET /triggers': 'admin',
  'POST /triggers/test': 'admin',
  'GET /triggers/{id}': 'admin',
  'PATCH /triggers/{id}': 'admin',
  'DELETE /triggers/{id}': 'admin',
  'GET /triggers/{id}/secret': 'admin',
  'POST /triggers/{id}/test': 'admin',
  'GET /triggers/{id}/firings': 'admin',
  'GET /triggers/{id}/stats': 'admin',
  'POST /triggers/silences': 'admin',
  'GET /triggers/silences': 'admin',
  'DELETE /triggers/silences/{id}': 'admin',
  'POST /sync/{appId}': 'user',
  'GET /sync/{appId}/pull': 'user',
  'GET /sync/{appId}/snapshot': 'user',
  'GET /sync/{appId}/stream': 'user',
  'POST /sync/{appId}/spaces': 'user',
  'GET /sync/{appId}/spaces': 'user',
  'POST /sync/{appId}/spaces/{spaceId}/members': 'user',
  'DELETE /sync/{appId}/spaces/{spaceId}/members/{userId}': 'user',
  'DELETE /sync/{appId}/spaces/{spaceId}': 'user',
  'POST /logs': 'admin+publisher',
  'GET /logs/stats': 'admin',
  'GET /logs/sources/{source}/effective-rules': 'admin',
  'POST /logs/rules': 'admin',
  'GET /logs/rules': 'admin',
  'POST /logs/rules/test': 'admin',
  'GET /logs/rules/{id}': 'admin',
  'PATCH /logs/rules/{id}': 'admin',
  'DELETE /logs/rules/{id}': 'admin',
  'GET /sync/apps/{appId}/settings': 'admin',
  'PUT /sync/apps/{appId}/settings': 'admin',
  'GET /sync/apps/{appId}/spaces': 'admin',
  'POST /sync/apps/{appId}/spaces/{spaceId}/members': 'admin',
  'DELETE /sync/apps/{appId}/spaces/{spaceId}/members/{userId}': 'admin',
  'DELETE /sync/apps/{appId}/spaces/{spaceId}': 'admin',
  'PUT /calendar/account': 'user',
  'GET /calendar/account': 'user',
  'DELETE /calendar/account': 'user',
  'POST /calendar/account/test': 'user',
  'GET /calendar/calendars': 'user',
  'POST /calendar/bindings': 'user',
  'GET /calendar/bindings': 'user',
  'GET /calendar/bindings/{id}': 'user',
  'PATCH /calendar/bindings/{id}': 'user',
  'DELETE /calendar/bindings/{id}': 'user',
  'POST /calendar/bindings/{id}/sync': 'user',
  'GET /calendar/bindings/{id}/sync-log': 'user',
  'GET /admin/calendar/bindings': 'admin',
  'GET /admin/calendar/accounts': 'admin',
  'POST /admin/calendar/bindings/{id}/sync': 'admin',
  'GET /admin/calendar/bindings/{id}/sync-log': 'admin',
  'GET /overview/series': 'admin',
  'GET /overview/failing': 'admin',
  'GET /overview/endpoint-health': 'admin',
};

const SECURITY: Record<string, string[]> = {
  public: [],
  admin: ['admin'],
  'admin+publisher': ['admin'],
  any: ['admin', 'user'],
  user: ['user'],
};

type Operation = {
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
};

describe('OpenAPI document and route audiences', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, { scheme: string; bearerFormat?: string }> };
  };
  beforeAll(async () => {
    // Private targets allowed so the probe's endpoint can point at a closed loopback port.
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
    doc = (await request(t.url).get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('declares both auth schemes', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      admin: { scheme: 'bearer' },
      user: { scheme: 'bearer' },
    });
  });

  it('describes every tag it uses, and names a server and a license', () => {
    const full = doc as unknown as {
      tags: { name: string; description: string }[];
      servers: { url: string }[];
      info: { license?: { name: string } };
    };
    const used = new Set(
      Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags ?? [])),
    );
    const described = new Set(full.tags.filter((t) => t.description).map((t) => t.name));
    expect([...used].filter((t) => !described.has(t))).toEqual([]);
    expect(full.servers.length).toBeGreaterThan(0);
    expect(full.info.license?.name).toBeTruthy();
  });

  it('does not call admin tokens and API keys JWTs', () => {
    expect(doc.components.securitySchemes.admin.bearerFormat).not.toBe('JWT');
  });

  it('gives every operation a summary, and documents no optional header as required', () => {
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const o = op as Operation & {
          summary?: string;
          parameters?: { in: string; name: string; required?: boolean }[];
        };
        if (!o.summary) problems.push(`${method.toUpperCase()} ${path}: no summary`);
        const headers = (o.parameters ?? []).filter((p) => p.in === 'header');
        for (const h of headers)
          if (h.required)
            problems.push(`${method.toUpperCase()} ${path}: header ${h.name} required`);
        const names = headers.map((h) => h.name.toLowerCase());
        if (new Set(names).size !== names.length)
          problems.push(`${method.toUpperCase()} ${path}: a header documented twice`);
      }
    expect(problems).toEqual([]);
  });

  it('types every documented error response as application/problem+json', () => {
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, response] of Object.entries(op.responses))
          if (/^[45]/.test(status)) {
            const types = Object.keys((response as { content?: object }).content ?? {});
            if (types.some((t) => t !== 'application/problem+json'))
              wrong.push(`${method.toUpperCase()} ${path} ${status}: ${types.join(', ')}`);
          }
    expect(wrong).toEqual([]);
  });

  it('lists exactly the known routes, each tagged, with its audience as security', () => {
    const seen: Record<string, string[]> = {};
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${path}`;
        expect({ key, tagged: (op.tags?.length ?? 0) > 0 }).toEqual({ key, tagged: true });
        seen[key] = (op.security ?? []).flatMap((s) => Object.keys(s)).sort();
      }
    }
    const expected = Object.fromEntries(Object.entries(ROUTES).map(([k, a]) => [k, SECURITY[a]]));
    expect(seen).toEqual(expected);
  });

  it('documents 401 and 403 problem responses on every protected route', () => {
    for (const [key, audience] of Object.entries(ROUTES)) {
      if (audience === 'public') continue;
      const [method, path] = key.split(' ');
      const op = doc.paths[path][method.toLowerCase()];
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('enforces the table: protected routes refuse a request without credentials', async () => {
    for (const [key, audience] of Object.entries(ROUTES)) {
      const [method, path] = key.split(' ');
      const url = path
        .replace('{id}', '00000000-0000-0000-0000-000000000000')
        .replace('{name}', 'x');
      const res = await request(t.url)[method.toLowerCase() as 'get' | 'post' | 'delete' | 'patch'](
        url,
      );
      // Public routes ask for no credentials (the payload link's token is checked on its own).
      if (audience === 'public')
        expect({ key, unauthorized: res.status === 401 }).toEqual({ key, unauthorized: false });
      else expect({ key, status: res.status }).toEqual({ key, status: 401 });
    }
  });

  it('describes every operation, parameter and response, and gives each a 4xx', () => {
    expect(undescribed(doc as unknown as OpenApiDoc)).toEqual([]);
  });

  it('shows an example for every request body and every JSON success answer', () => {
    expect(unexemplified(doc as unknown as OpenApiDoc)).toEqual([]);
  });

  it('documents exactly the routes the server registers', () => {
    // Express 5 keeps the router on `app.router`; every Nest route is a layer with a route.
    const stack = (
      t.app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      }
    ).router.stack;
    const registered = stack
      .filter((layer) => layer.route && !layer.route.path.startsWith('/docs'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    const documented = operations(doc as unknown as OpenApiDoc).map(([key]) => key);
    // Both ways: a route missing from the spec, and a documented route nobody serves.
    expect([...new Set(registered)].sort()).toEqual(documented.sort());
  });

  it('answers documented statuses to malformed ids and missing inputs; required means required, optional means optional', async () => {
    // Real rows, so a request missing a required input would otherwise succeed.
    const { admin, user, pathValue } = await createRouteFixtures(t, 'openapi');
    const schemas = (doc as unknown as OpenApiDoc).components.schemas;
    const findings: string[] = [];

    const send = async (
      key: string,
      method: string,
      op: DocOperation,
      path: string,
      query: Record<string, string>,
      body: unknown,
    ) => {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const headers: Record<string, string> = schemes.includes('admin')
        ? { ...admin }
        : schemes.includes('user')
          ? { ...user }
          : {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      const qs = new URLSearchParams(query).toString();
      const res = await rawRequest(t.url, {
        method: method.toUpperCase(),
        path: qs ? `${path}?${qs}` : path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!(String(res.status) in op.responses))
        findings.push(`${key}: answered ${res.status}, not documented`);
      return res;
    };

    for (const [key, method, template, op] of operations(doc as unknown as OpenApiDoc)) {
      const params = (op.parameters ?? []) as (Parameter & {
        required?: boolean;
        example?: unknown;
      })[];
      const fill = (value: (name: string) => string) =>
        template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
      const query = Object.fromEntries(
        params
          .filter((p) => p.in === 'query' && p.required)
          .map((p) => [
            p.name,
            String(p.example ?? p.schema?.example ?? sample(p.schema!, schemas)),
          ]),
      );
      const media = op.requestBody?.content['application/json'];
      const body = media ? (media.example ?? sample(media.schema!, schemas)) : undefined;

      if (params.some((p) => p.in === 'path')) {
        const { status } = await send(
          key,
          method,
          op,
          fill(() => 'not-a-uuid'),
          query,
          body,
        );
        if (status < 400 && params.some((p) => p.in === 'path' && p.schema?.format === 'uuid'))
          findings.push(`${key}: a malformed uuid answered ${status}`);
      }
      const path = fill(pathValue(template));
      for (const p of params.filter((p) => p.in === 'query' && p.required)) {
        const { [p.name]: _omitted, ...rest } = query;
        const { status } = await send(key, method, op, path, rest, body);
        if (status < 300) findings.push(`${key}: required query ${p.name} omitted, ${status}`);
      }
      if (op.requestBody?.required) {
        const { status } = await send(key, method, op, path, query, undefined);
        if (status < 300) findings.push(`${key}: required body omitted, ${status}`);
      }
      if (method === 'get') {
        // Only what the spec requires: a 400 naming a parameter it calls optional is a lie.
        const res = await send(key, method, op, path, query, undefined);
        const optional = params.filter((p) => !p.required).map((p) => p.name.toLowerCase());
        const named = ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
        for (const field of named.filter((f) => optional.includes(f.toLowerCase())))
          findings.push(`${key}: optional ${field} refused as missing (${res.status})`);
      }
    }
    expect(findings).toEqual([]);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await request(t.url).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('accepts a user token on whoami but not on admin routes', async () => {
    const minted = await request(t.url)
      .post('/admin/user-tokens')
      .set(bearer(t.adminToken))
      .send({ userId: 'dana' })
      .expect(201);
    await request(t.url).get('/auth/whoami').set(bearer(minted.body.token)).expect(200);
    await request(t.url).get('/admin/api-keys').set(bearer(minted.body.token)).expect(403);
  });
});
