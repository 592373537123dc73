import request from 'supertest';
import { type CalDavServer, startCalDavServer } from '../support/caldav/caldav-servers.js';
import { bearer, type TestApp, waitFor } from '../support/test-app.js';
import { bindNew, connect, settled, startCalendarApp, syncLog } from '../calendar/helpers.js';

describe('operators: "sync now" on any binding, and its sync log', () => {
  let t: TestApp;
  let server: CalDavServer;
  let publisherKey: string;

  beforeAll(async () => {
    t = await startCalendarApp();
    server = await startCalDavServer('radicale');
    publisherKey = (
      await request(t.url)
        .post('/admin/api-keys')
        .set(bearer(t.adminToken))
        .send({ name: 'calendar-publisher', role: 'publisher' })
        .expect(201)
    ).body.key;
  });

  afterAll(async () => {
    await server?.stop();
    await t?.close();
  });

  const admin = () => bearer(t.adminToken);

  it("syncs a user's binding and shows the run in the same log the user sees", async () => {
    const c = await connect(t, server);
    const b = await bindNew(t, c);
    await settled(t);
    const before = await syncLog(t, c, b.id);
    const requestedAt = Date.now();
    const started = await request(t.url)
      .post(`/admin/calendar/bindings/${b.id}/sync`)
      .set(admin())
      .expect(202);
    expect(started.body.jobId).toEqual(expect.any(String));
    const rows = await waitFor(async () => {
      const res = await request(t.url)
        .get(`/admin/calendar/bindings/${b.id}/sync-log`)
        .set(admin())
        .expect(200);
      const data = res.body.data as { startedAt: string; errors: number }[];
      return data.some((row) => Date.parse(row.startedAt) >= requestedAt) ? data : undefined;
    }, 20000);
    expect(rows.length).toBe(before.length + 1);
    expect(rows[0].errors).toBe(0);
    expect(await syncLog(t, c, b.id)).toEqual(rows);
    const limited = await request(t.url)
      .get(`/admin/calendar/bindings/${b.id}/sync-log`)
      .query({ limit: 1 })
      .set(admin())
      .expect(200);
    expect(limited.body.data).toEqual(rows.slice(0, 1));
  });

  it('refuses a disabled binding with 400, an unknown one with 404, a malformed id with 400', async () => {
    const c = await connect(t, server);
    const b = await bindNew(t, c);
    await request(t.url)
      .patch(`/calendar/bindings/${b.id}`)
      .set(c.auth)
      .send({ enabled: false })
      .expect(200);
    const disabled = await request(t.url)
      .post(`/admin/calendar/bindings/${b.id}/sync`)
      .set(admin())
      .expect(400);
    expect(disabled.body.errors[0].field).toBe('enabled');
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`${unknown}/sync`, `${unknown}/sync-log`]) {
      const method = path.endsWith('/sync') ? 'post' : 'get';
      const res = await request(t.url)
        [method](`/admin/calendar/bindings/${path}`)
        .set(admin())
        .expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    await request(t.url).post('/admin/calendar/bindings/nope/sync').set(admin()).expect(400);
    const badLimit = await request(t.url)
      .get(`/admin/calendar/bindings/${b.id}/sync-log`)
      .query({ limit: 0 })
      .set(admin())
      .expect(400);
    expect(badLimit.body.errors[0].field).toBe('limit');
  });

  it('answers 401 without credentials and 403 to a publisher key or a user token', async () => {
    const c = await connect(t, server);
    const b = await bindNew(t, c);
    for (const [method, path] of [
      ['post', `/admin/calendar/bindings/${b.id}/sync`],
      ['get', `/admin/calendar/bindings/${b.id}/sync-log`],
    ] as const) {
      await request(t.url)[method](path).expect(401);
      await request(t.url)[method](path).set(bearer(publisherKey)).expect(403);
      await request(t.url)[method](path).set(c.auth).expect(403);
    }
  });
});
