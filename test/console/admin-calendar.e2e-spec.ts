import request from 'supertest';
import { type CalDavServer, startCalDavServer } from '../support/caldav/caldav-servers.js';
import { bearer, type TestApp, waitFor } from '../support/test-app.js';
import { bindNew, connect, db, settled, startCalendarApp, syncLog } from '../calendar/helpers.js';

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

  it("lists every user's account with its bindings, paged by user id, never the password", async () => {
    const first = await connect(t, server);
    const second = await connect(t, server);
    await bindNew(t, second);
    const b = await bindNew(t, second);
    // A new binding's first sync runs as a job; one that ended after this write would clear it.
    await waitFor(
      async () => {
        const [row]: { done: boolean }[] = await db(t).query(
          `SELECT last_sync_at IS NOT NULL AS done FROM calendar_bindings WHERE id = $1`,
          [b.id],
        );
        return row.done;
      },
      20_000,
      'the new binding to finish its first sync',
    );
    await settled(t);
    await db(t).query(
      `UPDATE calendar_bindings SET last_sync_error = 'CalDAV server answered 401' WHERE id = $1`,
      [b.id],
    );
    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.url)
        .get('/admin/calendar/accounts')
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .set(admin())
        .expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(1);
      expect(JSON.stringify(res.body)).not.toContain(server.password);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    const users = seen.map((a) => a.userId as string);
    expect(users).toEqual([...users].sort());
    expect(new Set(users).size).toBe(users.length);
    expect(seen.find((a) => a.userId === first.user)).toMatchObject({
      serverUrl: server.url,
      username: server.username,
      bindings: 0,
      failingBindings: 0,
      worstError: null,
    });
    const withErrors = seen.find((a) => a.userId === second.user)!;
    expect(withErrors).toMatchObject({
      bindings: 2,
      failingBindings: 1,
      worstError: 'CalDAV server answered 401',
    });
    expect(withErrors).not.toHaveProperty('password');
    const bad = await request(t.url)
      .get('/admin/calendar/accounts')
      .query({ cursor: 'nope' })
      .set(admin())
      .expect(400);
    expect(bad.body.errors[0].field).toBe('cursor');
  });

  it("pages every user's bindings by user, then creation, with cursors", async () => {
    const c = await connect(t, server);
    const mine = [await bindNew(t, c), await bindNew(t, c), await bindNew(t, c)];
    const seen: { id: string; userId: string; objects: number }[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.url)
        .get('/admin/calendar/bindings')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(admin())
        .expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = (
      await request(t.url)
        .get('/admin/calendar/bindings')
        .query({ limit: 1000 })
        .set(admin())
        .expect(200)
    ).body;
    expect(all.nextCursor).toBeNull();
    expect(seen.map((b) => b.id)).toEqual(all.data.map((b: { id: string }) => b.id));
    expect(seen.filter((b) => b.userId === c.user).map((b) => b.id)).toEqual(mine.map((b) => b.id));
    expect(seen.every((b) => typeof b.objects === 'number')).toBe(true);
    const one = await request(t.url)
      .get('/admin/calendar/bindings')
      .query({ userId: c.user, limit: 1 })
      .set(admin())
      .expect(200);
    const rest = await request(t.url)
      .get('/admin/calendar/bindings')
      .query({ userId: c.user, cursor: one.body.nextCursor })
      .set(admin())
      .expect(200);
    expect([...one.body.data, ...rest.body.data].map((b: { id: string }) => b.id)).toEqual(
      mine.map((b) => b.id),
    );
    const bad = await request(t.url)
      .get('/admin/calendar/bindings')
      .query({ cursor: 'nope' })
      .set(admin())
      .expect(400);
    expect(bad.body.errors[0].field).toBe('cursor');
  });

  it('answers 401 without credentials and 403 to a publisher key or a user token', async () => {
    const c = await connect(t, server);
    const b = await bindNew(t, c);
    for (const [method, path] of [
      ['get', '/admin/calendar/accounts'],
      ['post', `/admin/calendar/bindings/${b.id}/sync`],
      ['get', `/admin/calendar/bindings/${b.id}/sync-log`],
    ] as const) {
      await request(t.url)[method](path).expect(401);
      await request(t.url)[method](path).set(bearer(publisherKey)).expect(403);
      await request(t.url)[method](path).set(c.auth).expect(403);
    }
  });
});
