import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SecretBox } from '../../src/common/security/secret-box.js';
import { LogRepository } from '../../src/integrations/logs/log.repository.js';
import { FakeJira } from '../../src/testing/index.js';
import {
  newestFirst,
  nextIdsStraddleDigitBoundary,
  straddlesDigitBoundary,
} from '../support/digit-boundary.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { createIntegration, FAST_INTEGRATIONS, jiraConfig } from './helpers.js';

/** The admin's side: validation per field, sealed and redacted config, connection tests. */
describe('Integrations admin API', () => {
  let t: TestApp;
  let jira: FakeJira;
  let db: Client;

  beforeAll(async () => {
    [t, jira] = await Promise.all([startTestApp({ env: FAST_INTEGRATIONS }), FakeJira.start()]);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await jira.close();
  });

  const api = () => request(t.url);
  const auth = () => bearer(t.adminToken);

  it('answers 400 naming each bad config field', async () => {
    const res = await api()
      .post('/integrations')
      .set(auth())
      .send({
        kind: 'jira',
        name: 'x',
        config: { ...jiraConfig(jira), projectKey: 'not a key', statusMap: { a: 5 }, extra: 1 },
      })
      .expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['config.extra', 'config.projectKey', 'config.statusMap']);
    const missing = await api()
      .post('/integrations')
      .set(auth())
      .send({ kind: 'jira', name: 'x' })
      .expect(400);
    expect(missing.body.errors).toEqual([{ field: 'config', message: 'is required' }]);
    const kind = await api()
      .post('/integrations')
      .set(auth())
      .send({ kind: 'trello', name: 'x', config: {} })
      .expect(400);
    expect(kind.body.errors.map((e: { field: string }) => e.field)).toEqual(['kind']);
  });

  it('seals the config, redacts the token, and keeps it when a PATCH echoes the placeholder', async () => {
    const created = await createIntegration(t, { config: jiraConfig(jira) });
    const { rows } = await db.query('SELECT config_sealed FROM integrations WHERE id = $1', [
      created.id,
    ]);
    expect(rows[0].config_sealed).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect(rows[0].config_sealed).not.toContain(jira.apiToken);

    const read = await api().get(`/integrations/${created.id}`).set(auth()).expect(200);
    expect(read.body.config).toMatchObject({
      apiToken: '[redacted]',
      issueType: 'Task',
      optOutTag: 'nojira',
    });
    expect(JSON.stringify(read.body)).not.toContain(jira.apiToken);
    expect(read.body.createdAt).toMatch(/Z$/);

    const echoed = await api()
      .patch(`/integrations/${created.id}`)
      .set(auth())
      .send({ config: { ...read.body.config, issueType: 'Bug' } })
      .expect(200);
    expect(echoed.body.config).toMatchObject({ apiToken: '[redacted]', issueType: 'Bug' });
    expect(
      (await api().post(`/integrations/${created.id}/test`).set(auth()).expect(200)).body.ok,
    ).toBe(true);

    await api()
      .patch(`/integrations/${created.id}`)
      .set(auth())
      .send({ config: { apiToken: 'wrong-token' } })
      .expect(200);
    const test = await api().post(`/integrations/${created.id}/test`).set(auth()).expect(200);
    expect(test.body).toEqual({
      ok: false,
      checks: [expect.objectContaining({ field: 'config.apiToken', ok: false })],
    });
  });

  it('tests an unsaved body field by field', async () => {
    const good = await api()
      .post('/integrations/test')
      .set(auth())
      .send({ kind: 'jira', name: 'x', config: jiraConfig(jira) })
      .expect(200);
    expect(good.body.ok).toBe(true);
    const badMap = await api()
      .post('/integrations/test')
      .set(auth())
      .send({
        kind: 'jira',
        name: 'x',
        config: jiraConfig(jira, {
          issueType: 'Epic',
          statusMap: { doing: 'In Progress', review: 'Review' },
        }),
      })
      .expect(200);
    const failed = (badMap.body.checks as { field: string; ok: boolean }[])
      .filter((c) => !c.ok)
      .map((c) => c.field);
    expect(failed).toEqual(['config.issueType', 'config.statusMap.review']);
    const badProject = await api()
      .post('/integrations/test')
      .set(auth())
      .send({ kind: 'jira', name: 'x', config: jiraConfig(jira, { projectKey: 'NOPE' }) })
      .expect(200);
    expect(badProject.body.checks).toContainEqual(
      expect.objectContaining({ field: 'config.projectKey', ok: false }),
    );
    const unsaved = await api().get('/integrations').set(auth()).expect(200);
    expect(unsaved.body.data.every((i: { name: string }) => i.name !== 'x')).toBe(true);
  });

  it('lists an integration whose config no configured key opens, with configError', async () => {
    const created = await createIntegration(t, { name: 'orphan', config: jiraConfig(jira) });
    const otherKey = new SecretBox(Buffer.alloc(32, 7));
    await db.query('UPDATE integrations SET config_sealed = $2 WHERE id = $1', [
      created.id,
      otherKey.seal('{}'),
    ]);
    const list = await api().get('/integrations').set(auth()).expect(200);
    const orphan = list.body.data.find((i: { id: string }) => i.id === created.id);
    expect(orphan).toMatchObject({
      config: null,
      configError: expect.stringContaining(otherKey.keyId),
    });
    const test = await api().post(`/integrations/${created.id}/test`).set(auth()).expect(409);
    expect(test.headers['content-type']).toContain('application/problem+json');
    // The whole config sent again repairs it; the placeholder cannot.
    await api()
      .patch(`/integrations/${created.id}`)
      .set(auth())
      .send({ config: { ...jiraConfig(jira), apiToken: '[redacted]' } })
      .expect(400);
    const fixed = await api()
      .patch(`/integrations/${created.id}`)
      .set(auth())
      .send({ config: jiraConfig(jira) })
      .expect(200);
    expect(fixed.body.configError).toBeNull();
  });

  it('refuses a baseUrl the SSRF guard refuses, at save time', async () => {
    const res = await request(t.url)
      .post('/integrations')
      .set(auth())
      .send({ kind: 'jira', name: 'x', config: jiraConfig(jira, { baseUrl: 'ftp://127.0.0.1/' }) });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('config.baseUrl');
  });

  it('deletes an integration, then answers 404', async () => {
    const created = await createIntegration(t, { config: jiraConfig(jira) });
    await api().delete(`/integrations/${created.id}`).set(auth()).expect(204);
    await api().get(`/integrations/${created.id}`).set(auth()).expect(404);
    await api().get(`/integrations/${created.id}/logs`).set(auth()).expect(404);
  });

  it('lists call logs newest first by numeric id across a digit boundary; pages walk every row once', async () => {
    const created = await createIntegration(t, { config: jiraConfig(jira) });
    const cardId = `order-${created.id}`;
    await nextIdsStraddleDigitBoundary(t.app.get(DataSource), 'integration_logs', 'id', 6);
    const logs = t.app.get(LogRepository);
    for (let i = 0; i < 12; i++)
      await logs.add({
        integrationId: created.id,
        eventType: 'work_item.updated',
        cardId,
        operation: 'update',
        httpStatus: 200,
        durationMs: i,
        error: null,
      });
    const page = (query: Record<string, string | number>) =>
      api()
        .get(`/integrations/${created.id}/logs`)
        .query({ cardId, ...query })
        .set(auth())
        .expect(200);

    const all: string[] = (await page({ limit: 500 })).body.data.map((r: { id: string }) => r.id);
    expect(all).toHaveLength(12);
    expect(straddlesDigitBoundary(all)).toBe(true);
    expect(all).toEqual(newestFirst(all));

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await page(cursor ? { limit: 5, cursor } : { limit: 5 });
      walked.push(...res.body.data.map((r: { id: string }) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor && walked.length <= 12);
    expect(walked).toEqual(all);
  });
});
