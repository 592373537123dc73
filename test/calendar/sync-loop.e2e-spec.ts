import request from 'supertest';
import {
  CALDAV_SERVERS,
  type CalDavServer,
  startCalDavServer,
} from '../support/caldav/caldav-servers.js';
import { bearer, type TestApp, waitFor } from '../support/test-app.js';
import {
  appointment,
  bindNew,
  connect,
  type Connected,
  db,
  publish,
  publishedObject,
  serverObjects,
  settled,
  startCalendarApp,
  syncLog,
  syncNow,
  waitForObjects,
} from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startCalendarApp();
});
afterAll(() => t.close());

/** A remote edit, as a phone would make it: new SUMMARY and a property the hub does not know. */
function editedRemotely(ics: string, title: string): string {
  return ics
    .replace(/^SUMMARY:.*$/m, `SUMMARY:${title}`)
    .replace('END:VEVENT', 'X-PHONE-COLOR:purple\r\nEND:VEVENT');
}

async function remoteEvents(
  type: string,
  subject: string,
): Promise<{ data: Record<string, unknown> }[]> {
  const res = await request(t.url)
    .get(`/events?type=${type}&limit=200`)
    .set(bearer(t.adminToken))
    .expect(200);
  return res.body.data.filter((e: { subject: string }) => e.subject === subject);
}

describe.each(CALDAV_SERVERS)('calendar sync loop against %s', (kind) => {
  let server: CalDavServer;
  beforeAll(async () => {
    server = await startCalDavServer(kind);
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    server.fault = null;
    server.delayMs = 0;
  });

  async function boundUser(body: Record<string, unknown> = { scopeKind: 'all_visible' }) {
    const c = await connect(t, server);
    const binding = await bindNew(t, c, body);
    return { c, binding };
  }

  it('create, update and delete reach the server within seconds of the event', async () => {
    const { c, binding } = await boundUser();
    const id = `crud-${c.user}`;
    await publish(
      t,
      'created',
      id,
      appointment(c.user, { title: 'Kick-off', location: 'Room 1', rrule: 'FREQ=WEEKLY;COUNT=3' }),
    );
    const [created] = await waitForObjects(
      server,
      binding.calendarPath,
      (o) => o.length === 1,
      'the created object',
    );
    expect(created.event).toMatchObject({
      title: 'Kick-off',
      location: 'Room 1',
      start: '2026-12-10T09:00:00.000Z',
      end: '2026-12-10T10:00:00.000Z',
      rrule: 'FREQ=WEEKLY;COUNT=3',
      sequence: 0,
    });
    expect(created.ics).toMatch(/DTSTAMP:/);
    expect(created.ics).toMatch(/LAST-MODIFIED:/);
    // The href is the hub's choice, not derived from the UID.
    expect(created.href).not.toContain(created.event.uid!);

    await publish(
      t,
      'updated',
      id,
      appointment(c.user, {
        title: 'Kick-off (moved)',
        start: '2026-12-11T09:00:00Z',
        end: '2026-12-11T10:00:00Z',
      }),
    );
    const [updated] = await waitForObjects(
      server,
      binding.calendarPath,
      (o) => o[0]?.event.title === 'Kick-off (moved)',
      'the update',
    );
    expect(updated.event).toMatchObject({
      uid: created.event.uid,
      sequence: 1,
      start: '2026-12-11T09:00:00.000Z',
    });
    expect(updated.href).toBe(created.href);

    await publish(t, 'deleted', id);
    await waitForObjects(server, binding.calendarPath, (o) => o.length === 0, 'the deletion');
    await settled(t);
    const [target] = await db(t).query(
      `SELECT count(*)::int AS n FROM calendar_targets WHERE binding_id = $1`,
      [binding.id],
    );
    expect(target.n).toBe(0);
    const log = await syncLog(t, c, binding.id);
    expect(log.reduce((n, r) => n + r.created, 0)).toBe(1);
    expect(log.reduce((n, r) => n + r.updated, 0)).toBe(1);
    expect(log.reduce((n, r) => n + r.deleted, 0)).toBe(1);
    expect(log.every((r) => r.errors === 0)).toBe(true);
  });

  it('writes all-day appointments as DATE with an exclusive end', async () => {
    const { c, binding } = await boundUser();
    await publish(t, 'created', `day-${c.user}`, {
      title: 'Offsite',
      date: '2026-12-14',
      endDate: '2026-12-16',
      ownerUserId: c.user,
      visibleTo: [c.user],
    });
    const [o] = await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x.length === 1,
      'the all-day object',
    );
    expect(o.event).toMatchObject({ allDay: true, start: '2026-12-14', end: '2026-12-16' });
    expect(o.ics).toMatch(/DTSTART;VALUE=DATE:20261214/);
  });

  it('a Europe/Berlin appointment across the DST change reads back at the same instants', async () => {
    const { c, binding } = await boundUser();
    // 01:30 CET to 03:30 CEST on 29 March 2026: the clocks jump from 02:00 to 03:00.
    await publish(
      t,
      'created',
      `dst-${c.user}`,
      appointment(c.user, {
        title: 'Night shift',
        start: '2026-03-29T00:30:00Z',
        end: '2026-03-29T01:30:00Z',
        timezone: 'Europe/Berlin',
      }),
    );
    const [o] = await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x.length === 1,
      'the DST object',
    );
    expect(o.ics).toMatch(/DTSTART;TZID=Europe\/Berlin:20260329T013000/);
    expect(o.ics).toMatch(/DTEND;TZID=Europe\/Berlin:20260329T033000/);
    expect(o.ics).toMatch(/BEGIN:VTIMEZONE\r?\nTZID:Europe\/Berlin/);
    expect(o.event).toMatchObject({
      timezone: 'Europe/Berlin',
      start: '2026-03-29T00:30:00.000Z',
      end: '2026-03-29T01:30:00.000Z',
    });
  });

  it('hub_wins: a remote edit is overwritten, keeping properties the hub does not own', async () => {
    const { c, binding } = await boundUser();
    const id = `hw-${c.user}`;
    const o = await publishedObject(
      t,
      server,
      binding.calendarPath,
      id,
      appointment(c.user, { title: 'Board meeting' }),
    );
    const edit = await server.dav('PUT', o.href, editedRemotely(o.ics, 'Edited on phone'), {
      'content-type': 'text/calendar',
    });
    expect(edit.status).toBeLessThan(300);
    const run = await syncNow(t, c, binding.id);
    expect(run).toMatchObject({ remoteChanges: 1, updated: 1, errors: 0 });
    const [after] = await serverObjects(server, binding.calendarPath);
    expect(after.event.title).toBe('Board meeting');
    expect(after.ics).toContain('X-PHONE-COLOR:purple');
    expect(after.event.sequence).toBe(1);
  });

  /**
   * A bound user's appointment on the server, edited there as an organizer's client would
   * (new SUMMARY, SEQUENCE raised to `sequence`), and the run that pulled the edit.
   */
  async function raisedOnServer(policy: 'hub_wins' | 'report', title: string, sequence: number) {
    const { c, binding } = await boundUser({ scopeKind: 'all_visible', conflictPolicy: policy });
    const id = `seq-${c.user}`;
    const o = await publishedObject(
      t,
      server,
      binding.calendarPath,
      id,
      appointment(c.user, { title }),
    );
    expect(o.event.sequence).toBe(0);
    const edited = editedRemotely(o.ics, `${title} (phone)`);
    const edit = await server.dav(
      'PUT',
      o.href,
      edited.replace(/^SEQUENCE:.*$/m, `SEQUENCE:${sequence}`),
      { 'content-type': 'text/calendar' },
    );
    expect(edit.status).toBeLessThan(300);
    const run = await syncNow(t, c, binding.id);
    expect(run).toMatchObject({ remoteChanges: 1, updated: policy === 'hub_wins' ? 1 : 0 });
    return { c, binding, id };
  }

  /** The hub's write of a new title, as the server holds it. */
  async function hubWrites(
    scene: { c: Connected; binding: { calendarPath: string }; id: string },
    title: string,
  ) {
    await publish(t, 'updated', scene.id, appointment(scene.c.user, { title }));
    const [o] = await waitForObjects(
      server,
      scene.binding.calendarPath,
      (x) => x[0]?.event.title === title,
      `the write of ${title}`,
    );
    return o;
  }

  it('hub_wins: after an edit on the server raised SEQUENCE to 1, the write-back carries 2', async () => {
    const scene = await raisedOnServer('hub_wins', 'Budget review', 1);
    const [back] = await serverObjects(server, scene.binding.calendarPath);
    expect(back.event).toMatchObject({ title: 'Budget review', sequence: 2 });
    // The hub remembers it: its next change goes on from there.
    expect((await hubWrites(scene, 'Budget review (2)')).event.sequence).toBe(3);
  });

  it("report: after an edit on the server raised SEQUENCE to 4, the hub's next write carries 5", async () => {
    const scene = await raisedOnServer('report', 'Site visit', 4);
    const next = await hubWrites(scene, 'Site visit (rescheduled)');
    expect(next.event.sequence).toBe(5);
    expect(next.ics).toContain('X-PHONE-COLOR:purple');
  });

  it('report: an object the server raised to SEQUENCE 6 and then deleted is re-created with 7', async () => {
    const scene = await raisedOnServer('report', 'Inspection', 6);
    const [edited] = await serverObjects(server, scene.binding.calendarPath);
    expect((await server.dav('DELETE', edited.href)).status).toBeLessThan(300);
    const run = await syncNow(t, scene.c, scene.binding.id);
    expect(run).toMatchObject({ remoteChanges: 1, created: 0 });
    expect((await hubWrites(scene, 'Inspection (again)')).event.sequence).toBe(7);
  });

  it('report: a remote edit is kept and published as calendar.remote_changed', async () => {
    const { c, binding } = await boundUser({ scopeKind: 'all_visible', conflictPolicy: 'report' });
    const id = `rp-${c.user}`;
    const o = await publishedObject(
      t,
      server,
      binding.calendarPath,
      id,
      appointment(c.user, { title: 'Client call' }),
    );
    await server.dav('PUT', o.href, editedRemotely(o.ics, 'Client call (moved by phone)'), {
      'content-type': 'text/calendar',
    });
    const run = await syncNow(t, c, binding.id);
    expect(run).toMatchObject({ remoteChanges: 1, updated: 0, errors: 0 });
    const [after] = await serverObjects(server, binding.calendarPath);
    expect(after.event.title).toBe('Client call (moved by phone)');
    const events = await waitFor(async () => {
      const e = await remoteEvents('calendar.remote_changed', id);
      return e.length > 0 ? e : undefined;
    });
    expect(events[0].data).toMatchObject({
      bindingId: binding.id,
      userId: c.user,
      appointmentId: id,
      remote: { title: 'Client call (moved by phone)', start: '2026-12-10T09:00:00.000Z' },
    });
    // A second run changes nothing: the remote version stays. Nothing in scope changed, so
    // the run only asked the server (no appointment compared: unchanged 0).
    expect(await syncNow(t, c, binding.id)).toMatchObject({
      remoteChanges: 0,
      updated: 0,
      unchanged: 0,
      errors: 0,
    });
  });

  it('a remote delete is re-created under hub_wins and reported under report', async () => {
    const hub = await boundUser();
    const rep = await boundUser({ scopeKind: 'all_visible', conflictPolicy: 'report' });
    for (const { c, binding } of [hub, rep]) {
      const o = await publishedObject(
        t,
        server,
        binding.calendarPath,
        `rd-${c.user}`,
        appointment(c.user, { title: 'Deposition' }),
      );
      expect((await server.dav('DELETE', o.href)).status).toBeLessThan(300);
      expect(await syncNow(t, c, binding.id)).toMatchObject({ remoteChanges: 1, errors: 0 });
    }
    const [recreated] = await serverObjects(server, hub.binding.calendarPath);
    expect(recreated.event.title).toBe('Deposition');
    expect(await serverObjects(server, rep.binding.calendarPath)).toEqual([]);
    expect(await remoteEvents('calendar.remote_deleted', `rd-${rep.c.user}`)).toHaveLength(1);
    expect(await syncNow(t, rep.c, rep.binding.id)).toMatchObject({ created: 0, remoteChanges: 0 });
  });

  it('an invalid sync token falls back to a full listing', async () => {
    const { c, binding } = await boundUser();
    await publish(t, 'created', `tok-${c.user}`, appointment(c.user, { title: 'Token test' }));
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 1, 'the object');
    await settled(t);
    expect(await syncNow(t, c, binding.id)).toMatchObject({ fullResync: false, errors: 0 });
    await db(t).query(`UPDATE calendar_bindings SET sync_token = $2 WHERE id = $1`, [
      binding.id,
      'http://example.invalid/ns/sync/not-a-token',
    ]);
    const run = await syncNow(t, c, binding.id);
    expect(run).toMatchObject({ fullResync: true, errors: 0, unchanged: 1 });
    const [row] = await db(t).query(`SELECT sync_token FROM calendar_bindings WHERE id = $1`, [
      binding.id,
    ]);
    expect(row.sync_token).not.toContain('not-a-token');
  });

  it('a 412 on update (stale ETag) applies the policy; a vanished object is re-created', async () => {
    const { c, binding } = await boundUser();
    const id = `pre-${c.user}`;
    await publish(t, 'created', id, appointment(c.user, { title: 'v1' }));
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 1, 'v1');
    await settled(t);
    await db(t).query(`UPDATE calendar_targets SET etag = '"stale"' WHERE binding_id = $1`, [
      binding.id,
    ]);
    await publish(t, 'updated', id, appointment(c.user, { title: 'v2' }));
    await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x[0]?.event.title === 'v2',
      'v2 written after the 412',
    );
    await settled(t);
    const log = await syncLog(t, c, binding.id);
    expect(log[0]).toMatchObject({ updated: 1, remoteChanges: 1, errors: 0 });

    // The object disappears without the sync token telling us: the next write re-creates it.
    await db(t).query(
      `UPDATE calendar_targets SET href = href || '-gone.ics' WHERE binding_id = $1`,
      [binding.id],
    );
    const [before] = await serverObjects(server, binding.calendarPath);
    await server.dav('DELETE', before.href);
    await publish(t, 'updated', id, appointment(c.user, { title: 'v3' }));
    const [v3] = await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x[0]?.event.title === 'v3',
      'v3 re-created',
    );
    expect(v3.event.uid).toBe(before.event.uid);
  });

  it('the mass-delete guard stops a run that would delete most objects until confirmed', async () => {
    const { c, binding } = await boundUser({ scopeKind: 'project', scopeId: 'mass' });
    const ids = Array.from({ length: 12 }, (_, i) => `mass-${i}-${c.user}`);
    for (const id of ids)
      await publish(
        t,
        'created',
        id,
        appointment(c.user, { title: id, scopePath: [{ kind: 'project', id: 'mass' }] }),
      );
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 12, 'twelve objects');
    await settled(t);
    await request(t.url)
      .patch(`/calendar/bindings/${binding.id}`)
      .set(c.auth)
      .send({ scopeId: 'other' })
      .expect(200);
    await settled(t);
    const stopped = (await syncLog(t, c, binding.id))[0];
    expect(stopped.firstError).toMatch(/would delete 12 of 12 objects/);
    expect(await serverObjects(server, binding.calendarPath)).toHaveLength(12);
    const b = await request(t.url).get(`/calendar/bindings/${binding.id}`).set(c.auth).expect(200);
    expect(b.body.lastSyncError).toMatch(/confirmDeletes=true/);
    const account = await request(t.url).get('/calendar/account').set(c.auth).expect(200);
    expect(account.body.worstError).toMatch(/would delete/);

    const confirmed = await syncNow(t, c, binding.id, '?confirmDeletes=true');
    expect(confirmed).toMatchObject({ deleted: 12, errors: 0 });
    expect(await serverObjects(server, binding.calendarPath)).toEqual([]);
  });

  it('a server that is down shows in the sync log, and a later run recovers', async () => {
    const { c, binding } = await boundUser();
    await settled(t);
    server.fault = { status: 503, headers: { 'retry-after': '1' } };
    await publish(t, 'created', `down-${c.user}`, appointment(c.user, { title: 'While down' }));
    const failed = await waitFor(
      async () => {
        const log = await syncLog(t, c, binding.id);
        return log.find((r) => r.errors > 0);
      },
      20000,
      'a failed run',
    );
    expect(failed.firstError).toMatch(/503/);
    const metrics = await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200);
    expect(metrics.text).toMatch(/calendar_sync_runs_total\{outcome="stopped"\} [1-9]/);
    server.fault = null;
    // The job is retried (after Retry-After) and the appointment arrives.
    await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x.length === 1,
      'the object after recovery',
      20000,
    );
    await waitFor(
      async () => (await syncLog(t, c, binding.id))[0].errors === 0,
      20000,
      'a clean run',
    );
    const b = await request(t.url).get(`/calendar/bindings/${binding.id}`).set(c.auth).expect(200);
    expect(b.body.lastSyncError).toBeNull();
  });

  it('deleting a binding removes its objects unless keepRemote, and keeps its sync log', async () => {
    const a = await boundUser();
    const k = await boundUser();
    for (const { c, binding } of [a, k]) {
      await publish(t, 'created', `del-${c.user}`, appointment(c.user, { title: 'To be unbound' }));
      await waitForObjects(server, binding.calendarPath, (x) => x.length === 1, 'the object');
    }
    await settled(t);
    await request(t.url).delete(`/calendar/bindings/${a.binding.id}`).set(a.c.auth).expect(204);
    await request(t.url)
      .delete(`/calendar/bindings/${k.binding.id}?keepRemote=true`)
      .set(k.c.auth)
      .expect(204);
    await waitForObjects(server, a.binding.calendarPath, (x) => x.length === 0, 'the cleanup');
    expect(await serverObjects(server, k.binding.calendarPath)).toHaveLength(1);
    const [logs] = await db(t).query(
      `SELECT count(*)::int AS n FROM calendar_sync_log WHERE user_id = $1 AND binding_id IS NULL`,
      [a.c.user],
    );
    expect(logs.n).toBeGreaterThan(0);
    await request(t.url).get(`/calendar/bindings/${a.binding.id}`).set(a.c.auth).expect(404);
  });

  it('a binding deleted while its run is writing leaves none of its objects behind', async () => {
    const { c, binding } = await boundUser({ scopeKind: 'all_visible', enabled: false });
    const ids = Array.from({ length: 6 }, (_, i) => `mid-${i}-${c.user}`);
    for (const id of ids) await publish(t, 'created', id, appointment(c.user, { title: id }));
    await waitFor(
      async () => {
        const [row] = await db(t).query(
          `SELECT count(*)::int AS n FROM calendar_appointments WHERE id = ANY($1)`,
          [ids],
        );
        return row.n === ids.length;
      },
      20000,
      'the projection',
    );
    const seen = server.requests.length;
    server.delayMs = 300; // every request is held, so the DELETE lands while the run writes
    try {
      await request(t.url)
        .patch(`/calendar/bindings/${binding.id}`)
        .set(c.auth)
        .send({ enabled: true })
        .expect(200);
      await waitFor(
        async () => server.requests.slice(seen).some((r) => r.method === 'PUT'),
        20000,
        'the run to start writing',
      );
      await request(t.url).delete(`/calendar/bindings/${binding.id}`).set(c.auth).expect(204);
    } finally {
      server.delayMs = 0;
    }
    await settled(t);
    expect(await serverObjects(server, binding.calendarPath)).toEqual([]);
  });
});

describe('two instances', () => {
  let server: CalDavServer;
  let second: TestApp;
  beforeAll(async () => {
    server = await startCalDavServer('radicale');
    second = await startCalendarApp({ databaseUrl: t.databaseUrl });
  });
  afterAll(async () => {
    await second?.close();
    await server?.stop();
  });

  it('never sync one binding at once', async () => {
    const c: Connected = await connect(t, server);
    const binding = await bindNew(t, c);
    for (let i = 0; i < 5; i++)
      await publish(t, 'created', `two-${i}-${c.user}`, appointment(c.user, { title: `two ${i}` }));
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 5, 'five objects');
    await settled(t);
    server.delayMs = 20;
    server.maxInFlight = 0;
    const runsBefore = (await syncLog(t, c, binding.id)).length;
    await Promise.all(
      [t, second, t, second, t, second].map((app) =>
        request(app.url)
          .post(`/calendar/bindings/${binding.id}/sync?confirmDeletes=true`)
          .set(c.auth)
          .expect(202),
      ),
    );
    await Promise.all(
      [t, second].map((app) =>
        request(app.url).post(`/calendar/bindings/${binding.id}/sync`).set(c.auth).expect(202),
      ),
    );
    await waitFor(
      async () => (await syncLog(t, c, binding.id)).length >= runsBefore + 2,
      20000,
      'two runs',
    );
    await settled(t);
    expect(server.maxInFlight).toBe(1);
    const runs = (await syncLog(t, c, binding.id)).map((r) => [
      Date.parse(r.startedAt),
      Date.parse(r.startedAt) + r.durationMs,
    ]);
    runs.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < runs.length; i++) expect(runs[i][0]).toBeGreaterThanOrEqual(runs[i - 1][1]);
  });
});
