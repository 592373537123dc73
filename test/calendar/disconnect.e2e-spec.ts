import request from 'supertest';
import { type CalDavServer, startCalDavServer } from '../support/caldav/caldav-servers.js';
import { type TestApp, waitFor } from '../support/test-app.js';
import {
  appointment,
  bindNew,
  connect,
  type Connected,
  db,
  publish,
  serverObjects,
  settled,
  startCalendarApp,
  waitForObjects,
} from './helpers.js';

let t: TestApp;
let server: CalDavServer;
beforeAll(async () => {
  // Short retries: a cleanup held back by a 503 resumes within a second once it is lifted.
  t = await startCalendarApp({ env: { JOBS_RETRY_SCHEDULE: '1s,1s,1s,1s,1s' } });
  server = await startCalDavServer('radicale');
});
afterAll(async () => {
  await server?.stop();
  await t?.close();
});
afterEach(() => {
  server.fault = null;
});

const accountRows = async (user: string) =>
  (
    await db(t).query(
      `SELECT password_sealed AS "passwordSealed", disconnected_at AS "disconnectedAt"
       FROM calendar_accounts WHERE user_id = $1`,
      [user],
    )
  )[0] as { passwordSealed: string; disconnectedAt: Date | null } | undefined;

const accountRemoved = (user: string) =>
  waitFor(
    async () => (await accountRows(user)) === undefined,
    15000,
    `the account row of ${user} to go`,
  );

/** A connected user with one all_visible and one personal_only binding, each on its own calendar. */
async function userWithTwoCalendars() {
  const c = await connect(t, server);
  const all = await bindNew(t, c);
  const personal = await bindNew(t, c, { scopeKind: 'personal_only' });
  await publish(t, 'created', `x-${c.user}`, appointment(c.user, { title: 'Hearing X' }));
  await publish(t, 'created', `y-${c.user}`, appointment(c.user, { title: 'Hearing Y' }));
  await publish(
    t,
    'created',
    `p-${c.user}`,
    appointment(c.user, { title: 'Dentist', personal: true }),
  );
  await waitForObjects(server, all.calendarPath, (o) => o.length === 3, 'three objects');
  await waitForObjects(server, personal.calendarPath, (o) => o.length === 1, 'the personal one');
  await settled(t);
  return { c, all, personal };
}

/** An event the hub did not write, put into the calendar directly. */
async function putForeignObject(calendarPath: string): Promise<string> {
  const href = `${calendarPath}foreign-${Date.now()}.ics`;
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//phone//EN',
    'BEGIN:VEVENT',
    `UID:foreign-${Date.now()}@phone`,
    'DTSTAMP:20261201T000000Z',
    'DTSTART:20261215T090000Z',
    'DTEND:20261215T100000Z',
    'SUMMARY:Made on the phone',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const res = await server.dav('PUT', href, ics, { 'content-type': 'text/calendar' });
  expect(res.status).toBe(201);
  return href;
}

const bindingsOf = async (c: Connected) =>
  (await request(t.url).get('/calendar/bindings').set(c.auth).expect(200)).body.data as {
    id: string;
    calendarPath: string;
  }[];

describe('DELETE /calendar/account against radicale', () => {
  it('removes what the hub wrote, keeps edited and foreign objects, the sync log and other users', async () => {
    const { c, all, personal } = await userWithTwoCalendars();
    const other = await connect(t, server);
    const otherBinding = await bindNew(t, other);
    await publish(t, 'created', `o-${other.user}`, appointment(other.user, { title: 'Other' }));
    await waitForObjects(server, otherBinding.calendarPath, (o) => o.length === 1, 'B object');
    await settled(t);
    const otherBefore = await accountRows(other.user);

    const [edited] = (await serverObjects(server, all.calendarPath)).filter(
      (o) => o.event.title === 'Hearing X',
    );
    const edit = await server.dav(
      'PUT',
      edited.href,
      edited.ics.replace(/^SUMMARY:.*$/m, 'SUMMARY:Hearing X (moved by phone)'),
      { 'content-type': 'text/calendar' },
    );
    expect(edit.status).toBeLessThan(300);
    const foreign = await putForeignObject(all.calendarPath);

    // Deletes on the server fail for now: the removal waits, and so does the account row.
    server.fault = { status: 503, headers: { 'retry-after': '1' }, methods: ['DELETE'] };
    await request(t.url).delete('/calendar/account').set(c.auth).expect(204);

    const gone = await request(t.url).get('/calendar/account').set(c.auth).expect(404);
    expect(gone.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await bindingsOf(c)).toEqual([]);
    await request(t.url).post('/calendar/account/test').set(c.auth).expect(404);
    await request(t.url)
      .post('/calendar/bindings')
      .set(c.auth)
      .send({ create: true, scopeKind: 'all_visible' })
      .expect(404);
    const refused = await request(t.url)
      .put('/calendar/account')
      .set(c.auth)
      .send({ serverUrl: server.url, username: server.username, password: server.password })
      .expect(409);
    expect(refused.body.detail).toMatch(/being disconnected/);
    await request(t.url).delete('/calendar/account').set(c.auth).expect(404);
    // The tombstone keeps the sealed password only while the cleanup still needs it.
    expect((await accountRows(c.user))?.disconnectedAt).toBeInstanceOf(Date);
    const schedules = await db(t).query(
      `SELECT count(*)::int AS n FROM job_schedules WHERE key = ANY($1)`,
      [[all.id, personal.id]],
    );
    expect(schedules[0].n).toBe(0);

    server.fault = null;
    await accountRemoved(c.user);
    const left = await serverObjects(server, all.calendarPath);
    expect(left.map((o) => o.href).sort()).toEqual([edited.href, foreign].sort());
    expect(left.find((o) => o.href === edited.href)!.event.title).toBe(
      'Hearing X (moved by phone)',
    );
    expect(await serverObjects(server, personal.calendarPath)).toEqual([]);

    const logs: { bindingId: string | null }[] = await db(t).query(
      `SELECT binding_id AS "bindingId" FROM calendar_sync_log WHERE user_id = $1`,
      [c.user],
    );
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(logs.every((l) => l.bindingId === null)).toBe(true);
    const targets = await db(t).query(
      `SELECT count(*)::int AS n FROM calendar_targets WHERE binding_id = ANY($1)`,
      [[all.id, personal.id]],
    );
    expect(targets[0].n).toBe(0);

    // The other user (same server, same login) is untouched.
    await request(t.url).get('/calendar/account').set(other.auth).expect(200);
    expect((await bindingsOf(other)).map((b) => b.id)).toEqual([otherBinding.id]);
    expect(await serverObjects(server, otherBinding.calendarPath)).toHaveLength(1);
    expect(await accountRows(other.user)).toEqual(otherBefore);
  });

  it('keepRemote leaves every object; reconnecting then binds and syncs afresh', async () => {
    const { c, all, personal } = await userWithTwoCalendars();
    const before = await serverObjects(server, all.calendarPath);
    await request(t.url).delete('/calendar/account?keepRemote=true').set(c.auth).expect(204);
    await accountRemoved(c.user);
    await settled(t);
    expect(await serverObjects(server, all.calendarPath)).toEqual(before);
    expect(await serverObjects(server, personal.calendarPath)).toHaveLength(1);

    const again = await request(t.url)
      .put('/calendar/account')
      .set(c.auth)
      .send({ serverUrl: server.url, username: server.username, password: server.password })
      .expect(200);
    expect(again.body.autoBoundBindingId).toEqual(expect.any(String));
    const [binding] = await bindingsOf(c);
    expect(binding.id).toBe(again.body.autoBoundBindingId);
    await publish(t, 'created', `z-${c.user}`, appointment(c.user, { title: 'After reconnect' }));
    await waitForObjects(
      server,
      binding.calendarPath,
      (o) => o.some((x) => x.event.title === 'After reconnect'),
      'the new appointment on the auto-bound calendar',
    );
  });

  it('answers 400 naming a bad keepRemote, disconnects once when asked twice at once, then 404', async () => {
    const c = await connect(t, server);
    const bad = await request(t.url)
      .delete('/calendar/account?keepRemote=maybe')
      .set(c.auth)
      .expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toMatch(/keepRemote/);
    await request(t.url).get('/calendar/account').set(c.auth).expect(200);

    // Two at once (as from two instances): the account row lock lets exactly one through.
    const both = await Promise.all(
      [1, 2].map(() => request(t.url).delete('/calendar/account').set(c.auth)),
    );
    expect(both.map((r) => r.status).sort()).toEqual([204, 404]);
    await accountRemoved(c.user);
    const none = await request(t.url).delete('/calendar/account').set(c.auth).expect(404);
    expect(none.body.detail).toMatch(/not connected/);
  });
});
