import { SignJWT } from 'jose';
import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import request from 'supertest';
import { startHostileCalDav, type HostileCalDav } from '../support/caldav/hostile-store-caldav.js';
import { spawnApp, type ChildApp } from '../support/child-app.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { waitFor } from '../support/test-app.js';
import { appointment, type SyncLogEntry } from './helpers.js';

/**
 * A hostile CalDAV server (any calendar sharer can do this) against the built app in its own
 * process, so /health and the peak RSS are the hub's own: while each run proceeds, /health is
 * asked every 100 ms and every answer must come within 1 s, and the run must end in the sync
 * log with a clear error or a correct result.
 */
describe('CalDAV input has a CPU and memory budget', () => {
  const ADMIN = 'budget-admin-token-0123456789abcdef';
  const JWT_SECRET = 'budget-jwt-secret-0123456789abcdef0123';
  let caldav: HostileCalDav;
  let child: ChildApp;
  let url: string;
  let db: Client;

  beforeAll(async () => {
    const databaseUrl = await createSuiteDatabase();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    caldav = await startHostileCalDav(['bomb', 'big', 'many']);
    child = spawnApp({
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET,
      SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      OUTBOUND_ALLOW_PRIVATE: 'true',
      CALENDAR_SYNC_INTERVAL: '1h',
      CALENDAR_HTTP_TIMEOUT_MS: '30000',
      EVENT_CONSUMER_POLL_MS: '200',
      JOBS_POLL_MS: '200',
      LOG_LEVEL: 'error',
    });
    url = await child.ready;
  });

  afterAll(async () => {
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGTERM');
      // A hub stuck in a parse cannot run its shutdown: do not wait for it forever.
      const stuck = setTimeout(() => child.process.kill('SIGKILL'), 10000);
      await child.exited;
      clearTimeout(stuck);
    }
    await caldav?.close();
    await db?.end();
  });

  const admin = { Authorization: `Bearer ${ADMIN}` };

  async function boundUser(calendar: string) {
    const user = `budget-${calendar}-${Date.now().toString(36)}`;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const auth = { Authorization: `Bearer ${token}` };
    await request(url)
      .put('/calendar/account')
      .set(auth)
      .send({ serverUrl: caldav.url, username: 'dana', password: 'pw', autoBind: false })
      .expect(200);
    const binding = await request(url)
      .post('/calendar/bindings')
      .set(auth)
      .send({
        calendarPath: `/home/${calendar}/`,
        scopeKind: 'all_visible',
        conflictPolicy: 'report',
      })
      .expect(201);
    return { user, auth, bindingId: binding.body.id as string };
  }

  async function syncLog(auth: Record<string, string>, bindingId: string): Promise<SyncLogEntry[]> {
    const res = await request(url).get(`/calendar/bindings/${bindingId}/sync-log`).set(auth);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  /**
   * No calendar job of this binding pending or running: its event-driven runs are over.
   * Scoped to the binding, so another test's binding (retrying its over-budget answer) does
   * not count.
   */
  const settled = (bindingId: string) =>
    waitFor(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM jobs WHERE queue LIKE 'calendar.%' AND key = $1 AND (status = 'running' OR (status = 'pending' AND run_at <= now()))`,
            [bindingId],
          )
        ).rows[0].n === 0,
      20000,
      'calendar jobs to settle',
    );

  /** Publishes an appointment for the user and waits for the hub's object on the server. */
  async function hubObject(user: string, calendar: string, bindingId: string): Promise<string> {
    await request(url)
      .post('/events')
      .set(admin)
      .send({
        type: 'appointment.created',
        source: 'practice-app',
        subject: `${calendar}-appt`,
        data: appointment(user, { timezone: 'Europe/Berlin' }),
      })
      .expect(202);
    const path = await waitFor(
      async () => [...caldav.objects.keys()].find((p) => p.startsWith(`/home/${calendar}/`)),
      20000,
      `the hub's object in ${calendar}`,
    );
    await settled(bindingId);
    return path;
  }

  /**
   * Runs `work` while asking /health every 100 ms; returns the slowest answer and the
   * process's peak RSS growth over the run (VmHWM, reset first through clear_refs).
   */
  async function underWatch<T>(work: () => Promise<T>) {
    const pid = child.process.pid!;
    const rssKb = (field: 'VmHWM' | 'VmRSS') =>
      Number(
        new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1],
      );
    const before = rssKb('VmRSS');
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const latencies: number[] = [];
    const pending = new Set<Promise<void>>();
    const ask = () => {
      const started = performance.now();
      const p = fetch(`${url}/health`, { signal: AbortSignal.timeout(10000) })
        .then((r) => r.arrayBuffer())
        .then(
          () => void latencies.push(performance.now() - started),
          () => void latencies.push(Infinity),
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    };
    // One question at once, so a run that ends within the first interval is watched too.
    ask();
    const timer = setInterval(ask, 100);
    try {
      const result = await work();
      return { result, latencies, peakGrowthMb: (rssKb('VmHWM') - before) / 1024 };
    } finally {
      clearInterval(timer);
      await Promise.all(pending);
    }
  }

  async function runNow(auth: Record<string, string>, bindingId: string): Promise<SyncLogEntry> {
    const requestedAt = Date.now();
    await request(url).post(`/calendar/bindings/${bindingId}/sync`).set(auth).expect(202);
    return waitFor(
      async () =>
        (await syncLog(auth, bindingId)).find((row) => Date.parse(row.startedAt) >= requestedAt),
      30000,
      'the run to be recorded in the sync log',
    );
  }

  const overBudget = async (kind: string) => {
    const res = await request(url).get('/metrics').set(admin).expect(200);
    const m = new RegExp(`calendar_input_over_budget_total\\{kind="${kind}"\\} (\\d+)`).exec(
      res.text,
    );
    return m ? Number(m[1]) : 0;
  };

  it('a VTIMEZONE repeating every minute since 1601 costs nothing: the edit is read with the IANA zone', async () => {
    const { user, auth, bindingId } = await boundUser('bomb');
    const path = await hubObject(user, 'bomb', bindingId);
    const ics = caldav.objects.get(path)!.ics;
    const bomb =
      'BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nRRULE:FREQ=MINUTELY\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n';
    caldav.edit(
      path,
      ics
        .replace(/BEGIN:VTIMEZONE[\s\S]*END:VTIMEZONE\r\n/, bomb)
        .replace(
          /DTSTART;TZID=Europe\/Berlin:\d{8}T\d{6}/,
          'DTSTART;TZID=Europe/Berlin:20261210T110000',
        )
        .replace('SUMMARY:Hearing', 'SUMMARY:Moved by someone'),
    );

    const watched = await underWatch(() => runNow(auth, bindingId));

    expect(Math.max(...watched.latencies)).toBeLessThan(1000);
    expect(watched.latencies.length).toBeGreaterThan(0);
    expect(watched.result).toMatchObject({ errors: 0, remoteChanges: 1 });
    const { rows } = await db.query(
      `SELECT data FROM events WHERE type = 'calendar.remote_changed' AND data->>'bindingId' = $1`,
      [bindingId],
    );
    expect(rows[0].data.remote).toMatchObject({
      title: 'Moved by someone',
      start: '2026-12-10T10:00:00.000Z', // 11:00 CET, from the tz database
      timezone: 'Europe/Berlin',
    });
    expect(watched.peakGrowthMb).toBeLessThan(256);
  });

  it('a 15 MB listing is parsed off the event loop and refused past the object budget', async () => {
    const entries = 70_000;
    const pad = 'x'.repeat(50);
    const parts = ['<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">'];
    for (let i = 0; i < entries; i++)
      parts.push(
        `<d:response><d:href>/home/big/${i}-${pad}.ics</d:href><d:propstat><d:prop><d:getetag>"${i}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
      );
    const listing = parts.join('') + '</d:multistatus>';
    expect(listing.length).toBeGreaterThan(15_000_000);
    expect(listing.length).toBeLessThan(16 * 1024 * 1024);
    caldav.listing.set('/home/big/', () => listing);
    const counted = await overBudget('answer_objects');

    // Binding the calendar starts a run too: both are watched.
    const watched = await underWatch(async () => {
      const { auth, bindingId } = await boundUser('big');
      return runNow(auth, bindingId);
    });

    expect(Math.max(...watched.latencies)).toBeLessThan(1000);
    expect(watched.result.errors).toBeGreaterThan(0);
    expect(watched.result.firstError).toMatch(
      /PROPFIND .*\/home\/big\/: the answer lists 70000 objects, over the budget of 20000/,
    );
    expect(await overBudget('answer_objects')).toBeGreaterThan(counted);
    expect(watched.peakGrowthMb).toBeLessThan(768);
  });

  it('an object with 50,000 VEVENTs is an object error in the sync log, not a stall', async () => {
    const { user, auth, bindingId } = await boundUser('many');
    const path = await hubObject(user, 'many', bindingId);
    const events = Array.from(
      { length: 50_000 },
      (_, i) =>
        `BEGIN:VEVENT\r\nUID:flood-${i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nSUMMARY:${i}\r\nEND:VEVENT\r\n`,
    ).join('');
    caldav.edit(
      path,
      caldav.objects.get(path)!.ics.replace('END:VCALENDAR', `${events}END:VCALENDAR`),
    );
    const counted = await overBudget('object_bytes');

    const watched = await underWatch(() => runNow(auth, bindingId));

    expect(Math.max(...watched.latencies)).toBeLessThan(1000);
    expect(watched.result).toMatchObject({ errors: 1, remoteChanges: 0 });
    expect(watched.result.firstError).toMatch(
      new RegExp(`${path}: the object is \\d+ bytes, over the budget of 1048576`),
    );
    expect(await overBudget('object_bytes')).toBe(counted + 1);
    expect(watched.peakGrowthMb).toBeLessThan(512);
  });
});
