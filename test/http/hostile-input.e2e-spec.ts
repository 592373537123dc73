import request from 'supertest';
import { seeded, Operation, Schema, variantsFor } from '../support/hostile-variants.js';
import { rawRequest } from '../support/raw-http.js';
import { settledTableState, tableState } from '../support/table-state.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { userToken } from '../sync/helpers.js';

/**
 * Every operation of the OpenAPI document, attacked with generated hostile input (see
 * hostile-variants.ts): each variant must be a 4xx problem+json (naming the field where it
 * targets one) and no table may change. A new route is covered the day it lands. Variants
 * are seeded: HOSTILE_SEED=<n> replays another run.
 */
const SEED = Number(process.env.HOSTILE_SEED ?? 20261201);
const APP = 'hostile';

interface Finding {
  operation: string;
  variant: string;
  problem: string;
}

describe('hostile input on every route of the OpenAPI document', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, Schema> };
  };
  const fixtures: Record<string, string> = {};
  let admin: Record<string, string>;
  let user: Record<string, string>;

  beforeAll(async () => {
    // Private targets allowed so fixtures point at a closed loopback port, never elsewhere.
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
    admin = bearer(t.adminToken);
    user = bearer(await userToken(t, 'alice'));
    doc = (await request(t.url).get('/docs-json').expect(200)).body;
    const endpoint = await request(t.url)
      .post('/webhooks/endpoints')
      .set(admin)
      .send({ url: 'http://127.0.0.1:9/hook', enabled: false })
      .expect(201);
    const key = await request(t.url)
      .post('/admin/api-keys')
      .set(admin)
      .send({ name: 'fixture', role: 'publisher' })
      .expect(201);
    const space = await request(t.url)
      .post(`/sync/${APP}/spaces`)
      .set(user)
      .send({ name: 'board' })
      .expect(201);
    const trigger = await request(t.url)
      .post('/triggers')
      .set(admin)
      .send({
        name: 'fixture',
        enabled: false,
        action: { type: 'webhook', url: 'http://127.0.0.1:9/hook' },
      })
      .expect(201);
    const silence = await request(t.url)
      .post('/triggers/silences')
      .set(admin)
      .send({
        matchers: [{ label: 'source', op: '=', value: 'x' }],
        endsAt: '2099-01-01T00:00:00Z',
        createdBy: 'fixture',
      })
      .expect(201);
    const consumers = await request(t.url).get('/events/consumers').set(admin).expect(200);
    Object.assign(fixtures, {
      endpoint: endpoint.body.id,
      trigger: trigger.body.id,
      silence: silence.body.id,
      apiKey: key.body.id,
      spaceId: space.body.id,
      name: consumers.body[0]?.name ?? 'x',
      appId: APP,
      userId: 'alice',
    });
  });
  afterAll(() => t.close());

  /** Real ids, so a variant that slipped through would act on a real row. */
  const pathValue = (template: string) => (name: string) => {
    if (name === 'id')
      return template.startsWith('/webhooks/endpoints')
        ? fixtures.endpoint
        : template.startsWith('/triggers/silences')
          ? fixtures.silence
          : template.startsWith('/triggers')
            ? fixtures.trigger
            : template.startsWith('/admin/api-keys')
              ? fixtures.apiKey
              : '00000000-0000-4000-8000-000000000000';
    return fixtures[name] ?? 'x';
  };

  it('refuses every variant with a 4xx problem+json and writes nothing', async () => {
    const random = seeded(SEED);
    const findings: Finding[] = [];
    const covered: string[] = [];
    let sent = 0;
    let before = await settledTableState(t.databaseUrl);
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const operation = `${method.toUpperCase()} ${template}`;
        const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
        const auth = schemes.includes('admin') ? admin : schemes.includes('user') ? user : {};
        const variants = variantsFor(method, template, op, {
          schemas: doc.components.schemas,
          random,
          appId: APP,
          pathValue: pathValue(template),
          auth,
        });
        if (variants.length === 0) continue;
        covered.push(operation);
        for (const v of variants) {
          sent++;
          const res = await rawRequest(t.url, {
            method: method.toUpperCase(),
            path: v.path,
            headers: v.headers,
            body: v.body,
          });
          const type = String(res.headers['content-type'] ?? '');
          const fields = ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
          const problem =
            res.status < 400 || res.status >= 500
              ? `status ${res.status}: ${res.text.slice(0, 200)}`
              : !type.startsWith('application/problem+json')
                ? `${res.status} as ${type || 'no content type'}: ${res.text.slice(0, 100)}`
                : v.field && !fields.includes(v.field)
                  ? `${res.status} names ${JSON.stringify(fields)}, not ${v.field}`
                  : undefined;
          if (problem) findings.push({ operation, variant: v.name, problem });
        }
        const after = await tableState(t.databaseUrl);
        const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
        if (changed.length > 0)
          findings.push({ operation, variant: '(all)', problem: `wrote to ${changed.join(', ')}` });
        before = after;
      }
    }
    expect(findings).toEqual([]);
    // Every operation with input was attacked; only the bodiless, parameterless GETs are not.
    const all = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(all.filter((o) => !covered.includes(o)).sort()).toEqual(
      all
        .filter((o) => {
          const [m, p] = o.split(' ');
          const op = doc.paths[p][m.toLowerCase()];
          return m === 'GET' && !op.parameters?.length && !op.requestBody;
        })
        .sort(),
    );
    expect(sent).toBeGreaterThan(300);
  }, 600_000);
});
