import request from 'supertest';
import {
  CALDAV_SERVERS,
  type CalDavServer,
  startCalDavServer,
} from '../support/caldav/caldav-servers.js';
import {
  emptyStats,
  SyncLogRepository,
} from '../../src/calendar/binding-sync/sync-log.repository.js';
import { nextCronRun } from '../../src/jobs/cron.js';
import {
  newestFirst,
  nextIdsStraddleDigitBoundary,
  straddlesDigitBoundary,
} from '../support/digit-boundary.js';
import { bearer, type TestApp } from '../support/test-app.js';
import {
  appointment,
  bindNew,
  connect,
  db,
  newUser,
  publish,
  serverObjects,
  settled,
  startCalendarApp,
  syncLog,
  syncNow,
  userToken,
  waitForObjects,
} from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startCalendarApp();
});
afterAll(() => t.close());

describe.each(CALDAV_SERVERS)('calendar accounts and bindings against %s', (kind) => {
  let server: CalDavServer;
  beforeAll(async () => {
    server = await startCalDavServer(kind);
  });
  afterAll(() => server?.stop());

  it('discovers principal and calendar home via /.well-known/caldav and seals the password', async () => {
    const c = await connect(t, server);
    expect(c.account).toMatchObject({
      username: server.username,
      password: '[redacted]',
      principalUrl: new URL(`/${server.username}/`, server.url).href,
      homeSetUrl: new URL(server.homePath, server.url).href,
      bindings: 0,
      worstError: null,
    });
    expect(server.requests.some((r) => r.path === '/.well-known/caldav')).toBe(true);
    const [row] = await db(t).query(
      `SELECT password_sealed FROM calendar_accounts WHERE user_id = $1`,
      [c.user],
    );
    expect(row.password_sealed).toMatch(/^v1\./);
    expect(row.password_sealed).not.toContain(server.password);
    const again = await request(t.url).get('/calendar/account').set(c.auth).expect(200);
    expect(JSON.stringify(again.body)).not.toContain(server.password);
    expect(t.logs.join('\n')).not.toContain(server.password);
  });

  it('refuses a wrong password with a 422 naming the password, and stores nothing', async () => {
    const user = newUser();
    const auth = bearer(await userToken(t, user));
    const res = await request(t.url)
      .put('/calendar/account')
      .set(auth)
      .send({ serverUrl: server.url, username: server.username, password: 'wrong' })
      .expect(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors[0].field).toBe('password');
    await request(t.url).get('/calendar/account').set(auth).expect(404);
  });

  it('keeps the stored password for [redacted] and the deprecated ********, and uses any other value', async () => {
    const c = await connect(t, server);
    const sealed = async () =>
      (
        await db(t).query(`SELECT password_sealed FROM calendar_accounts WHERE user_id = $1`, [
          c.user,
        ])
      )[0].password_sealed as string;
    const stored = await sealed();
    const put = (password: string) =>
      request(t.url)
        .put('/calendar/account')
        .set(c.auth)
        .send({ serverUrl: server.url, username: server.username, password, autoBind: false });
    // Discovery runs again on every PUT: a 200 means the kept password still logs in.
    for (const placeholder of ['[redacted]', '********']) {
      const res = await put(placeholder).expect(200);
      expect({ placeholder, password: res.body.password }).toEqual({
        placeholder,
        password: '[redacted]',
      });
      expect(await sealed()).toBe(stored);
    }
    const test = await request(t.url).post('/calendar/account/test').set(c.auth).expect(200);
    expect(test.body).toMatchObject({ ok: true, error: null });

    // Any other value is the new password: a wrong one is refused by the server, nothing changes.
    const wrong = await put('*******').expect(422);
    expect(wrong.body.errors[0].field).toBe('password');
    expect(await sealed()).toBe(stored);
    const fresh = await put(server.password).expect(200);
    expect(fresh.body.password).toBe('[redacted]');
    expect(await sealed()).not.toBe(stored);

    // With no account stored yet, a placeholder has nothing to keep.
    const other = bearer(await userToken(t, newUser()));
    for (const placeholder of ['[redacted]', '********']) {
      const res = await request(t.url)
        .put('/calendar/account')
        .set(other)
        .send({ serverUrl: server.url, username: server.username, password: placeholder })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'password', message: 'is required' }]);
    }
  });

  it('refuses to move an account with bindings to another server (409, nothing changed); without bindings it moves', async () => {
    const other = await startCalDavServer(kind);
    try {
      const c = await connect(t, server);
      const binding = await bindNew(t, c, { scopeKind: 'all_visible', enabled: false });
      const [before] = await db(t).query(
        `SELECT password_sealed, home_set_url FROM calendar_accounts WHERE user_id = $1`,
        [c.user],
      );
      const move = { serverUrl: other.url, username: other.username, password: other.password };
      const res = await request(t.url).put('/calendar/account').set(c.auth).send(move).expect(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.type).toMatch(/calendar-account-moved$/);
      expect(res.body.errors[0].field).toBe('serverUrl');
      const [after] = await db(t).query(
        `SELECT password_sealed, home_set_url FROM calendar_accounts WHERE user_id = $1`,
        [c.user],
      );
      expect(after).toEqual(before);
      // The same server again (a new password would be fine too) is not a move.
      await request(t.url)
        .put('/calendar/account')
        .set(c.auth)
        .send({ serverUrl: server.url, username: server.username, password: server.password })
        .expect(200);
      await request(t.url)
        .delete(`/calendar/bindings/${binding.id}?keepRemote=true`)
        .set(c.auth)
        .expect(204);
      const moved = await request(t.url)
        .put('/calendar/account')
        .set(c.auth)
        .send({ ...move, autoBind: false })
        .expect(200);
      expect(moved.body.homeSetUrl).toBe(new URL(other.homePath, other.url).href);
    } finally {
      await other.stop();
    }
  });

  it('lists calendars with VEVENT support and sync-token, and tests the account', async () => {
    const c = await connect(t, server);
    const made = await bindNew(t, c, { scopeKind: 'all_visible', displayName: 'Listed' });
    const list = await request(t.url).get('/calendar/calendars').set(c.auth).expect(200);
    expect(list.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          calendarPath: made.calendarPath,
          supportsEvents: true,
          supportsSyncToken: true,
          bindingId: made.id,
        }),
      ]),
    );
    const test = await request(t.url).post('/calendar/account/test').set(c.auth).expect(200);
    expect(test.body).toMatchObject({ ok: true, error: null });
    expect(test.body.calendars).toBeGreaterThanOrEqual(1);
  });

  it('auto-binds the first calendar to all_visible, and an appointment appears there', async () => {
    const c = await connect(t, server, {});
    expect(c.account.autoBoundBindingId).toEqual(expect.any(String));
    const list = await request(t.url).get('/calendar/bindings').set(c.auth).expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({
      scopeKind: 'all_visible',
      scopeId: null,
      enabled: true,
    });
    const id = `apt-${c.user}`;
    await publish(t, 'created', id, appointment(c.user, { title: `First for ${c.user}` }));
    await waitForObjects(
      server,
      list.body.data[0].calendarPath,
      (objs) => objs.some((o) => o.event.title === `First for ${c.user}`),
      'the appointment on the auto-bound calendar',
    );
    // A second PUT does not bind again.
    const again = await request(t.url)
      .put('/calendar/account')
      .set(c.auth)
      .send({ serverUrl: server.url, username: server.username })
      .expect(200);
    expect(again.body).toMatchObject({ bindings: 1, autoBoundBindingId: null });
  });

  it('a run records its time, outcome and object count on the binding, not as an edit: updatedAt moves only with a PATCH', async () => {
    const c = await connect(t, server);
    const created = await request(t.url)
      .post('/calendar/bindings')
      .set(c.auth)
      .send({ create: true, scopeKind: 'all_visible' })
      .expect(201);
    const binding = created.body as { id: string; updatedAt: string; objects: number };
    expect(binding.objects).toBe(0);
    await publish(t, 'created', `apt-run-${c.user}`, appointment(c.user, { title: 'Counted' }));
    await settled(t);
    const run = await syncNow(t, c, binding.id);
    const read = await request(t.url)
      .get(`/calendar/bindings/${binding.id}`)
      .set(c.auth)
      .expect(200);
    expect(read.body).toMatchObject({
      objects: 1,
      lastSyncError: null,
      updatedAt: binding.updatedAt,
    });
    expect(Date.parse(read.body.lastSyncAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    const patched = await request(t.url)
      .patch(`/calendar/bindings/${binding.id}`)
      .set(c.auth)
      .send({ displayName: 'Renamed' })
      .expect(200);
    expect(patched.body).toMatchObject({ displayName: 'Renamed', objects: 1 });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThan(Date.parse(binding.updatedAt));
  });

  it('validates scopeId for every scope kind, in the API and in SQL', async () => {
    const c = await connect(t, server);
    for (const kind of ['project', 'client', 'litigation', 'patent', 'case']) {
      const res = await request(t.url)
        .post('/calendar/bindings')
        .set(c.auth)
        .send({ create: true, scopeKind: kind })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'scopeId', message: `is required for scopeKind ${kind}` },
      ]);
    }
    for (const kind of ['all_visible', 'personal_only']) {
      const res = await request(t.url)
        .post('/calendar/bindings')
        .set(c.auth)
        .send({ create: true, scopeKind: kind, scopeId: 'x' })
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'scopeId', message: `must be absent for scopeKind ${kind}` },
      ]);
    }
    await request(t.url)
      .post('/calendar/bindings')
      .set(c.auth)
      .send({ create: true, scopeKind: 'team' })
      .expect(400);
    await request(t.url)
      .post('/calendar/bindings')
      .set(c.auth)
      .send({ scopeKind: 'all_visible' })
      .expect(400);
    await request(t.url)
      .post('/calendar/bindings')
      .set(c.auth)
      .send({ calendarPath: '/nobody/nothing/', scopeKind: 'all_visible' })
      .expect(422);
    expect(
      (await request(t.url).get('/calendar/bindings').set(c.auth).expect(200)).body.data,
    ).toEqual([]);
    await expect(
      db(t).query(
        `INSERT INTO calendar_bindings (user_id, calendar_url, scope_kind, scope_id) VALUES ($1, 'http://x/', 'project', NULL)`,
        [c.user],
      ),
    ).rejects.toThrow(/calendar_bindings_scope_id_chk/);
    await expect(
      db(t).query(
        `INSERT INTO calendar_bindings (user_id, calendar_url, scope_kind, scope_id) VALUES ($1, 'http://x/', 'all_visible', 'p')`,
        [c.user],
      ),
    ).rejects.toThrow(/calendar_bindings_scope_id_chk/);
    const ok = await bindNew(t, c, { scopeKind: 'case', scopeId: 'k-1' });
    const patched = await request(t.url)
      .patch(`/calendar/bindings/${ok.id}`)
      .set(c.auth)
      .send({ scopeKind: 'personal_only' })
      .expect(200);
    expect(patched.body).toMatchObject({ scopeKind: 'personal_only', scopeId: null });
    await request(t.url)
      .patch(`/calendar/bindings/${ok.id}`)
      .set(c.auth)
      .send({ scopeKind: 'client' })
      .expect(400);
  });

  it('syncs on a cron rule read in a time zone instead of the interval; a bad rule or zone is a 400 naming it', async () => {
    const c = await connect(t, server);
    const refused = async (body: Record<string, unknown>) =>
      (
        await request(t.url)
          .post('/calendar/bindings')
          .set(c.auth)
          .send({ create: true, scopeKind: 'all_visible', ...body })
          .expect(400)
      ).body.errors as { field: string; message: string }[];
    expect(await refused({ syncCron: '61 * * * *' })).toEqual([
      { field: 'syncCron', message: expect.stringMatching(/out of range/) },
    ]);
    expect(await refused({ syncCron: '0 0 30 2 *' })).toEqual([
      { field: 'syncCron', message: expect.stringMatching(/not a cron expression/) },
    ]);
    expect(await refused({ syncCron: '0 3 * * *', syncTimeZone: 'Mars/Base' })).toEqual([
      { field: 'syncTimeZone', message: 'must be an IANA time zone such as UTC or Europe/Berlin' },
    ]);
    expect(await refused({ syncTimeZone: 'UTC' })).toEqual([
      { field: 'syncTimeZone', message: 'needs syncCron' },
    ]);
    expect(
      (await request(t.url).get('/calendar/bindings').set(c.auth).expect(200)).body.data,
    ).toEqual([]);

    const rule = { cron: '0 7-19 * * MON-FRI', timeZone: 'Europe/Berlin' };
    const isFireTime = (at: Date, r = rule) =>
      nextCronRun(r, new Date(at.getTime() - 1)).getTime() === at.getTime();
    const created = await bindNew(t, c, {
      scopeKind: 'all_visible',
      syncCron: rule.cron,
      syncTimeZone: rule.timeZone,
    });
    expect(created).toMatchObject({ syncCron: rule.cron, syncTimeZone: rule.timeZone });
    const nextSyncAt = new Date((created as unknown as { nextSyncAt: string }).nextSyncAt);
    expect(isFireTime(nextSyncAt)).toBe(true);
    expect(nextSyncAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const schedule = async () => {
      const [row] = await db(t).query(
        `SELECT every_ms::int AS every, cron, time_zone AS zone, next_run_at AS next FROM job_schedules
         WHERE queue = 'calendar.sync' AND key = $1`,
        [created.id],
      );
      return row as { every: number | null; cron: string | null; zone: string | null; next: Date };
    };
    const row = await schedule();
    expect(row).toMatchObject({ every: null, cron: rule.cron, zone: rule.timeZone });
    expect(isFireTime(row.next)).toBe(true);

    // Either field alone keeps the other.
    const moved = await request(t.url)
      .patch(`/calendar/bindings/${created.id}`)
      .set(c.auth)
      .send({ syncTimeZone: 'America/New_York' })
      .expect(200);
    expect(moved.body).toMatchObject({ syncCron: rule.cron, syncTimeZone: 'America/New_York' });
    const inNewYork = await schedule();
    expect(inNewYork).toMatchObject({ cron: rule.cron, zone: 'America/New_York' });
    expect(isFireTime(inNewYork.next, { ...rule, timeZone: 'America/New_York' })).toBe(true);

    // null: back to CALENDAR_SYNC_INTERVAL (1h in these tests).
    const back = await request(t.url)
      .patch(`/calendar/bindings/${created.id}`)
      .set(c.auth)
      .send({ syncCron: null })
      .expect(200);
    expect(back.body).toMatchObject({ syncCron: null, syncTimeZone: null });
    expect(await schedule()).toMatchObject({ every: 3_600_000, cron: null, zone: null });
    const lone = await request(t.url)
      .patch(`/calendar/bindings/${created.id}`)
      .set(c.auth)
      .send({ syncTimeZone: 'UTC' })
      .expect(400);
    expect(lone.body.errors).toEqual([{ field: 'syncTimeZone', message: 'needs syncCron' }]);
    await expect(
      db(t).query(
        `UPDATE calendar_bindings SET sync_cron = '0 3 * * *', sync_time_zone = NULL WHERE id = $1`,
        [created.id],
      ),
    ).rejects.toThrow(/calendar_bindings_sync_cron_chk/);
  });

  it('lists all_visible, then personal_only, then the rest by creation; other users get 404', async () => {
    const c = await connect(t, server);
    const project = await bindNew(t, c, { scopeKind: 'project', scopeId: 'p1' });
    const personal = await bindNew(t, c, { scopeKind: 'personal_only' });
    const client = await bindNew(t, c, { scopeKind: 'client', scopeId: 'c1' });
    const all = await bindNew(t, c, { scopeKind: 'all_visible' });
    const list = await request(t.url).get('/calendar/bindings').set(c.auth).expect(200);
    expect(list.body.data.map((b: { id: string }) => b.id)).toEqual([
      all.id,
      personal.id,
      project.id,
      client.id,
    ]);

    const other = bearer(await userToken(t, newUser('mallory')));
    await request(t.url).get(`/calendar/bindings/${project.id}`).set(other).expect(404);
    await request(t.url)
      .patch(`/calendar/bindings/${project.id}`)
      .set(other)
      .send({ enabled: false })
      .expect(404);
    await request(t.url).delete(`/calendar/bindings/${project.id}`).set(other).expect(404);
    await request(t.url).post(`/calendar/bindings/${project.id}/sync`).set(other).expect(404);
    await request(t.url).get(`/calendar/bindings/${project.id}/sync-log`).set(other).expect(404);
    expect(
      (await request(t.url).get('/calendar/bindings').set(other).expect(200)).body.data,
    ).toEqual([]);

    const admin = await request(t.url)
      .get(`/admin/calendar/bindings?userId=${c.user}`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(admin.body.data).toHaveLength(4);
    await request(t.url).get('/admin/calendar/bindings').set(c.auth).expect(403);
  });

  it('a hierarchy scope covers descendants, not siblings; includePersonal adds personal ones', async () => {
    const c = await connect(t, server);
    const acme = await bindNew(t, c, {
      scopeKind: 'client',
      scopeId: `acme-${c.user}`,
      includePersonal: true,
    });
    const apollo = await bindNew(t, c, { scopeKind: 'project', scopeId: `apollo-${c.user}` });
    const path = (client: string, project: string) => [
      { kind: 'client', id: `${client}-${c.user}` },
      { kind: 'case', id: `case-${c.user}` },
      { kind: 'project', id: `${project}-${c.user}` },
    ];
    await publish(
      t,
      'created',
      `h1-${c.user}`,
      appointment(c.user, { title: 'Apollo review', scopePath: path('acme', 'apollo') }),
    );
    await publish(
      t,
      'created',
      `h2-${c.user}`,
      appointment(c.user, { title: 'Other client', scopePath: path('globex', 'zeus') }),
    );
    await publish(
      t,
      'created',
      `h3-${c.user}`,
      appointment(c.user, { title: 'Dentist', personal: true }),
    );
    await publish(
      t,
      'created',
      `h4-${c.user}`,
      appointment('someone-else', {
        title: 'Hidden',
        scopePath: path('acme', 'apollo'),
        visibleTo: ['someone-else'],
      }),
    );
    const titles = (objs: { event: { title: string | null } }[]) =>
      objs.map((o) => o.event.title).sort();
    // Events are projected in log order: once a later marker shows, the earlier ones are in.
    await publish(
      t,
      'created',
      `h5-${c.user}`,
      appointment(c.user, { title: 'Marker', scopePath: path('acme', 'x') }),
    );
    const acmeObjects = await waitForObjects(
      server,
      acme.calendarPath,
      (o) => o.some((x) => x.event.title === 'Marker'),
      'the marker on the client calendar',
    );
    await settled(t);
    expect(titles(await serverObjects(server, acme.calendarPath))).toEqual([
      'Apollo review',
      'Dentist',
      'Marker',
    ]);
    expect(acmeObjects.length).toBeLessThanOrEqual(3);
    expect(titles(await serverObjects(server, apollo.calendarPath))).toEqual(['Apollo review']);
  });

  it('lists sync-log runs newest first by numeric id across a digit boundary, limit keeping the newest', async () => {
    const c = await connect(t, server);
    const binding = await bindNew(t, c);
    await settled(t);
    const before = (await syncLog(t, c, binding.id)).map((r) => r.id);
    // Runs are written by the repository the sync job uses: twelve real syncs would cost seconds.
    await nextIdsStraddleDigitBoundary(db(t), 'calendar_sync_log', 'id', 6);
    const repo = t.app.get(SyncLogRepository);
    for (let i = 0; i < 12; i++)
      await repo.insert(
        db(t).manager,
        binding.id,
        c.user,
        new Date(Date.now() - (12 - i) * 1000),
        5,
        {
          ...emptyStats(),
          created: i,
        },
      );

    const ids = (await syncLog(t, c, binding.id)).map((r) => r.id);
    const inserted = ids.filter((id) => !before.includes(id));
    expect(inserted).toHaveLength(12);
    expect(straddlesDigitBoundary(inserted)).toBe(true);
    expect(ids).toEqual(newestFirst(ids));
    const limited = await request(t.url)
      .get(`/calendar/bindings/${binding.id}/sync-log`)
      .query({ limit: 5 })
      .set(c.auth)
      .expect(200);
    expect(limited.body.data.map((r: { id: string }) => r.id)).toEqual(
      newestFirst(inserted).slice(0, 5),
    );
  });
});
