import request from 'supertest';
import { userToken } from '../sync/helpers.js';
import { bearer, TestApp } from './test-app.js';

export interface RouteFixtures {
  admin: Record<string, string>;
  user: Record<string, string>;
  /** A value for each path parameter of an OpenAPI path template: a real row where one exists. */
  pathValue: (template: string) => (name: string) => string;
}

/**
 * Real rows for the suites that walk every route of the OpenAPI document (an endpoint, an API
 * key, a space of `appId` owned by alice, a trigger, a silence, a log-scan rule, an integration, an artifact), so a request that slipped through a check would act
 * on a real row rather than answer 404. The endpoint and the integration are disabled and point at a
 * closed loopback port: the app must allow private targets (OUTBOUND_ALLOW_PRIVATE=true).
 */
export async function createRouteFixtures(t: TestApp, appId: string): Promise<RouteFixtures> {
  const admin = bearer(t.adminToken);
  const user = bearer(await userToken(t, 'alice'));
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
    .post(`/sync/${appId}/spaces`)
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
  const logRule = await request(t.url)
    .post('/logs/rules')
    .set(admin)
    .send({ name: 'fixture', pattern: 'fixture-never-matches', enabled: false })
    .expect(201);
  const integration = await request(t.url)
    .post('/integrations')
    .set(admin)
    .send({
      kind: 'jira',
      name: 'fixture',
      enabled: false,
      config: {
        baseUrl: 'http://127.0.0.1:9',
        email: 'fixture@example.com',
        apiToken: 'fixture-token',
        projectKey: 'HUB',
      },
    })
    .expect(201);
  const artifact = await request(t.url)
    .post('/artifacts')
    .query({ name: 'fixture.txt' })
    .set(admin)
    .set('Content-Type', 'text/plain')
    .send('fixture')
    .expect(201);
  const consumers = await request(t.url).get('/events/consumers').set(admin).expect(200);
  const fixtures: Record<string, string> = {
    artifactId: artifact.body.id,
    spaceId: space.body.id,
    name: consumers.body[0]?.name ?? 'x',
    appId,
    userId: 'alice',
  };
  // The row an `:id` names, by path prefix; the longest matching prefix wins.
  const idsByPrefix: [string, string][] = [
    ['/webhooks/endpoints', endpoint.body.id],
    ['/admin/api-keys', key.body.id],
    ['/triggers/silences', silence.body.id],
    ['/triggers', trigger.body.id],
    ['/logs/rules', logRule.body.id],
    ['/integrations', integration.body.id],
  ];
  const pathValue = (template: string) => (name: string) => {
    if (name === 'id')
      return (
        idsByPrefix.find(([prefix]) => template.startsWith(prefix))?.[1] ??
        '00000000-0000-4000-8000-000000000000'
      );
    return fixtures[name] ?? 'x';
  };
  return { admin, user, pathValue };
}
