import request from 'supertest';
import { DataSource } from 'typeorm';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { createRule, eventsOf, sendLines } from './helpers.js';

describe('/logs/rules', () => {
  let t: TestApp;
  let admin: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    admin = bearer(t.adminToken);
  });
  afterAll(() => t.close());

  const ruleCount = async () =>
    Number((await t.app.get(DataSource).query('SELECT count(*) AS n FROM log_scan_rules'))[0].n);

  it('creates, reads, lists, changes and deletes a rule', async () => {
    const created = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({
        name: 'crud',
        pattern: 'panic: (?P<reason>.+)',
        cooldown: '5m',
        severity: 'critical',
      })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'crud',
      pattern: 'panic: (?P<reason>.+)',
      stream: null,
      severity: 'critical',
      eventType: 'log.match',
      cooldown: '5m',
      scope: 'global',
      source: null,
      overrides: null,
      enabled: true,
    });
    expect(created.body.createdAt).toMatch(/Z$/);
    const id = created.body.id;
    await request(t.url).get(`/logs/rules/${id}`).set(admin).expect(200);
    const patched = await request(t.url)
      .patch(`/logs/rules/${id}`)
      .set(admin)
      .send({ cooldown: '90s', stream: 'stderr', enabled: false })
      .expect(200);
    expect(patched.body).toMatchObject({ cooldown: '90s', stream: 'stderr', enabled: false });
    const cleared = await request(t.url)
      .patch(`/logs/rules/${id}`)
      .set(admin)
      .send({ stream: null })
      .expect(200);
    expect(cleared.body.stream).toBeNull();
    const list = await request(t.url)
      .get('/logs/rules')
      .query({ scope: 'global' })
      .set(admin)
      .expect(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(id);
    await request(t.url).delete(`/logs/rules/${id}`).set(admin).expect(204);
    await request(t.url).get(`/logs/rules/${id}`).set(admin).expect(404);
    await request(t.url).delete(`/logs/rules/${id}`).set(admin).expect(404);
  });

  it("refuses a pattern RE2 cannot run with a 400 naming pattern and RE2's reason, saving nothing", async () => {
    const before = await ruleCount();
    for (const pattern of ['(unclosed', '(?<=user )\\w+', '(a)\\1']) {
      const res = await request(t.url)
        .post('/logs/rules')
        .set(admin)
        .send({ name: `bad-${pattern}`, pattern })
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'pattern', message: expect.stringMatching(/^not a valid RE2 pattern: .+/) },
      ]);
    }
    const missing = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'x', pattern: '(unclosed' })
      .expect(400);
    expect(missing.body.errors[0].message).toContain('missing');
    expect(await ruleCount()).toBe(before);
  });

  it('validates the other fields, naming each', async () => {
    const res = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({
        name: '',
        pattern: 'ok',
        stream: 'stdin',
        severity: 'fatal',
        eventType: 'Log Match',
        cooldown: 'soon',
        scope: 'everywhere',
      })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'cooldown',
      'eventType',
      'name',
      'scope',
      'severity',
      'stream',
    ]);
    const scoped = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'x', pattern: 'ok', scope: 'global', source: 'nas' })
      .expect(400);
    expect(scoped.body.errors).toEqual([{ field: 'source', message: expect.any(String) }]);
    const needsSource = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'x', pattern: 'ok', scope: 'source' })
      .expect(400);
    expect(needsSource.body.errors.map((e: { field: string }) => e.field)).toEqual(['source']);
    const rule = await createRule(t, { name: 'nulls', pattern: 'ok' });
    const nulled = await request(t.url)
      .patch(`/logs/rules/${rule.id}`)
      .set(admin)
      .send({ name: null })
      .expect(400);
    expect(nulled.body.errors).toEqual([{ field: 'name', message: 'must not be null' }]);
    await request(t.url)
      .patch(`/logs/rules/${rule.id}`)
      .set(admin)
      .send({ source: 'other' })
      .expect(400);
  });

  it("pages through one source's rules in creation order", async () => {
    const made = [];
    for (const name of ['p1', 'p2', 'p3'])
      made.push(await createRule(t, { name, pattern: name, source: 'paged' }));
    const first = await request(t.url)
      .get('/logs/rules')
      .query({ source: 'paged', limit: 2 })
      .set(admin)
      .expect(200);
    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual([made[0].id, made[1].id]);
    const second = await request(t.url)
      .get('/logs/rules')
      .query({ source: 'paged', limit: 2, cursor: first.body.nextCursor })
      .set(admin)
      .expect(200);
    expect(second.body).toEqual({
      data: [expect.objectContaining({ id: made[2].id })],
      nextCursor: null,
    });
    await request(t.url).get('/logs/rules').query({ cursor: 'forged' }).set(admin).expect(400);
  });

  it('keeps names unique per scope', async () => {
    await createRule(t, { name: 'dup', pattern: 'a' });
    const taken = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'dup', pattern: 'b' })
      .expect(409);
    expect(taken.body.errors).toEqual([
      { field: 'name', message: 'is already taken in this scope' },
    ]);
    // The same name for one source's own rule is another scope.
    await createRule(t, { name: 'dup', pattern: 'c', source: 'dup-source' });
  });

  it('tests a pattern on a sample line', async () => {
    const hit = await request(t.url)
      .post('/logs/rules/test')
      .set(admin)
      .send({
        pattern: 'disk (?P<device>/dev/\\S+) full',
        sampleLine: 'backup: disk /dev/sdb1 full!',
      })
      .expect(200);
    expect(hit.body).toEqual({
      matched: true,
      captures: { device: '/dev/sdb1' },
      match: 'disk /dev/sdb1 full',
    });
    const miss = await request(t.url)
      .post('/logs/rules/test')
      .set(admin)
      .send({ pattern: 'OOMKilled', sampleLine: 'all fine' })
      .expect(200);
    expect(miss.body).toEqual({ matched: false, captures: {}, match: null });
    // A pattern that backtracks catastrophically elsewhere answers at once here.
    const started = Date.now();
    await request(t.url)
      .post('/logs/rules/test')
      .set(admin)
      .send({ pattern: '(a+)+$', sampleLine: 'a'.repeat(16000) + 'b' })
      .expect(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await request(t.url)
      .post('/logs/rules/test')
      .set(admin)
      .send({ pattern: '(?<=x)y', sampleLine: 'xy' })
      .expect(400);
  });

  it('computes the effective rules: global minus the source overrides plus its own', async () => {
    const shared = await createRule(t, { name: 'eff-shared', pattern: 'ERROR' });
    const replaced = await createRule(t, { name: 'eff-replaced', pattern: 'WARN' });
    const muted = await createRule(t, { name: 'eff-muted', pattern: 'DEBUG' });
    const own = await createRule(t, { name: 'eff-own', pattern: 'SMART', source: 'eff-nas' });
    const override = await createRule(t, {
      name: 'eff-replaced',
      pattern: 'WARN.*disk',
      source: 'eff-nas',
      overrides: replaced.id,
    });
    const mute = await createRule(t, {
      name: 'eff-mute',
      pattern: 'never',
      source: 'eff-nas',
      overrides: muted.id,
      enabled: false,
    });
    const res = await request(t.url)
      .get('/logs/sources/eff-nas/effective-rules')
      .set(admin)
      .expect(200);
    const ids = res.body.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([shared.id, own.id, override.id]));
    expect(ids).not.toContain(replaced.id);
    expect(ids).not.toContain(muted.id);
    expect(ids).not.toContain(mute.id);
    expect(res.body.overridden).toEqual(
      expect.arrayContaining([
        { ruleId: replaced.id, name: 'eff-replaced', by: override.id, replaced: true },
        { ruleId: muted.id, name: 'eff-muted', by: mute.id, replaced: false },
      ]),
    );
    const other = await request(t.url)
      .get('/logs/sources/eff-other/effective-rules')
      .set(admin)
      .expect(200);
    const otherIds = other.body.rules.map((r: { id: string }) => r.id);
    expect(otherIds).toEqual(expect.arrayContaining([shared.id, replaced.id, muted.id]));
    expect(otherIds).not.toContain(own.id);

    // The scan follows the same set.
    const scan = await sendLines(t, {
      source: 'eff-nas',
      lines: ['WARN cpu hot', 'WARN disk slow', 'DEBUG x', 'SMART failing', 'ERROR y'],
    }).expect(202);
    expect(scan.body.published).toBe(scan.body.hits);
    const fired = (await eventsOf(t, 'eff-nas')).map((e) => e.data.ruleId);
    expect(fired).toEqual(expect.arrayContaining([override.id, own.id, shared.id]));
    expect(fired).not.toContain(replaced.id);
    expect(fired).not.toContain(muted.id);

    // An override of a source rule, or of nothing, is refused; so is a second override.
    const bad = await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'o', pattern: 'x', source: 'eff-nas', overrides: own.id })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['overrides']);
    await request(t.url)
      .post('/logs/rules')
      .set(admin)
      .send({ name: 'o2', pattern: 'x', source: 'eff-nas', overrides: replaced.id })
      .expect(409);
  });

  it('deletes the overrides of a deleted global rule with it', async () => {
    const global = await createRule(t, { name: 'cascade', pattern: 'x' });
    const o1 = await createRule(t, {
      name: 'c1',
      pattern: 'y',
      source: 'cas-a',
      overrides: global.id,
    });
    const o2 = await createRule(t, {
      name: 'c2',
      pattern: 'z',
      source: 'cas-b',
      overrides: global.id,
    });
    const kept = await createRule(t, { name: 'c3', pattern: 'z', source: 'cas-a' });
    await request(t.url).delete(`/logs/rules/${global.id}`).set(admin).expect(204);
    await request(t.url).get(`/logs/rules/${o1.id}`).set(admin).expect(404);
    await request(t.url).get(`/logs/rules/${o2.id}`).set(admin).expect(404);
    await request(t.url).get(`/logs/rules/${kept.id}`).set(admin).expect(200);
  });
});
