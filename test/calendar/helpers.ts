import request from 'supertest';
import { DataSource } from 'typeorm';
import { parseIcs, type RemoteEvent } from '../../src/calendar/caldav/icalendar.js';
import { parseMultistatus, textOf } from '../../src/calendar/caldav/multistatus.js';
import type { SyncStats } from '../../src/calendar/binding-sync/sync-log.repository.js';
import type { CalDavServer } from '../support/caldav/caldav-servers.js';
import {
  bearer,
  startTestApp,
  type TestApp,
  type TestAppOptions,
  waitFor,
} from '../support/test-app.js';
import { userToken } from '../sync/helpers.js';

export { userToken };

/** The app with loopback CalDAV servers allowed and the recurring loop out of the way. */
export function startCalendarApp(options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    env: {
      OUTBOUND_ALLOW_PRIVATE: 'true',
      CALENDAR_SYNC_INTERVAL: '1h',
      CALENDAR_HTTP_TIMEOUT_MS: '10000',
      ...options.env,
    },
  });
}

let seq = 0;
/** A fresh user id per test: no test reads another's rows. */
export const newUser = (prefix = 'u') => `${prefix}-${Date.now().toString(36)}-${++seq}`;

export interface Connected {
  user: string;
  token: string;
  auth: { Authorization: string };
}

export async function connect(
  t: TestApp,
  server: CalDavServer,
  extra: Record<string, unknown> = { autoBind: false },
): Promise<Connected & { account: Record<string, unknown> }> {
  const user = newUser();
  const token = await userToken(t, user);
  const auth = bearer(token);
  const res = await request(t.url)
    .put('/calendar/account')
    .set(auth)
    .send({ serverUrl: server.url, username: server.username, password: server.password, ...extra })
    .expect(200);
  return { user, token, auth, account: res.body };
}

/** A binding on a new calendar of its own (so tests never share a calendar). */
export async function bindNew(
  t: TestApp,
  c: Connected,
  body: Record<string, unknown> = { scopeKind: 'all_visible' },
): Promise<{ id: string; calendarPath: string }> {
  const res = await request(t.url)
    .post('/calendar/bindings')
    .set(c.auth)
    .send({ create: true, ...body })
    .expect(201);
  return res.body;
}

export interface AppointmentData {
  title: string;
  start?: string;
  end?: string;
  date?: string;
  endDate?: string;
  timezone?: string;
  ownerUserId?: string;
  personal?: boolean;
  visibleTo?: string[];
  scopePath?: { kind: string; id: string }[];
  location?: string;
  description?: string;
  rrule?: string;
}

export async function publish(
  t: TestApp,
  type: 'created' | 'updated' | 'deleted',
  id: string,
  data: AppointmentData | Record<string, never> = {},
): Promise<void> {
  await request(t.url)
    .post('/events')
    .set(bearer(t.adminToken))
    .send({ type: `appointment.${type}`, source: 'practice-app', subject: id, data })
    .expect(202);
}

export const appointment = (
  user: string,
  over: Partial<AppointmentData> = {},
): AppointmentData => ({
  title: 'Hearing',
  start: '2026-12-10T09:00:00Z',
  end: '2026-12-10T10:00:00Z',
  ownerUserId: user,
  visibleTo: [user],
  ...over,
});

export interface ServerObject {
  href: string;
  etag: string;
  ics: string;
  event: RemoteEvent;
}

/** What the CalDAV server holds in a calendar, read directly (not through the hub). */
export async function serverObjects(
  server: CalDavServer,
  calendarPath: string,
): Promise<ServerObject[]> {
  const listing = await server.dav(
    'PROPFIND',
    encodeURI(calendarPath),
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>',
    { depth: '1', 'content-type': 'application/xml' },
  );
  if (listing.status !== 207)
    throw new Error(`PROPFIND ${calendarPath}: ${listing.status} ${listing.body}`);
  const out: ServerObject[] = [];
  for (const r of parseMultistatus(listing.body).responses) {
    if (!r.href.endsWith('.ics')) continue;
    const got = await server.dav('GET', encodeURI(r.href));
    if (got.status !== 200) continue;
    out.push({
      href: r.href,
      etag: textOf(r.props.getetag),
      ics: got.body,
      event: parseIcs(got.body)!,
    });
  }
  return out;
}

export function waitForObjects(
  server: CalDavServer,
  calendarPath: string,
  ok: (objects: ServerObject[]) => boolean,
  what: string,
  timeoutMs = 15000,
): Promise<ServerObject[]> {
  return waitFor(
    async () => {
      const objects = await serverObjects(server, calendarPath);
      return ok(objects) ? objects : undefined;
    },
    timeoutMs,
    what,
  );
}

export type SyncLogEntry = SyncStats & { id: string; startedAt: string; durationMs: number };

export async function syncLog(
  t: TestApp,
  c: Connected,
  bindingId: string,
): Promise<SyncLogEntry[]> {
  return (
    await request(t.url).get(`/calendar/bindings/${bindingId}/sync-log`).set(c.auth).expect(200)
  ).body.data;
}

/** Runs a sync now and waits for its sync-log row (the count of rows grows). */
export async function syncNow(
  t: TestApp,
  c: Connected,
  bindingId: string,
  query = '',
): Promise<SyncLogEntry> {
  // A run already under way (an event's push) would otherwise be taken for this one.
  await settled(t);
  // Identified by its start, not by the row count: the log row of the run that wrote the
  // last change can land just after the job is marked done, and counting rows then took that
  // earlier run for this one.
  const requestedAt = Date.now();
  await request(t.url).post(`/calendar/bindings/${bindingId}/sync${query}`).set(c.auth).expect(202);
  return waitFor(
    async () =>
      (await syncLog(t, c, bindingId)).find((row) => Date.parse(row.startedAt) >= requestedAt),
    20000,
    `a sync-log row for binding ${bindingId}`,
  );
}

/** Waits until no calendar job is pending or running (the event-driven pushes settled). */
export async function settled(t: TestApp): Promise<void> {
  const db = t.app.get(DataSource);
  await waitFor(
    async () => {
      const [row]: { n: number }[] = await db.query(
        `SELECT count(*)::int AS n FROM jobs WHERE queue LIKE 'calendar.%' AND (status = 'running' OR (status = 'pending' AND run_at <= now()))`,
      );
      return row.n === 0;
    },
    20000,
    'calendar jobs to settle',
  );
}

export function db(t: TestApp): DataSource {
  return t.app.get(DataSource);
}

/** Publishes one appointment and waits until its object is on the server and the run is over. */
export async function publishedObject(
  t: TestApp,
  server: CalDavServer,
  calendarPath: string,
  id: string,
  data: AppointmentData,
): Promise<ServerObject> {
  await publish(t, 'created', id, data);
  const [o] = await waitForObjects(server, calendarPath, (x) => x.length === 1, `object ${id}`);
  // The run that wrote it has finished (it pulls once more after writing).
  await settled(t);
  return o;
}
