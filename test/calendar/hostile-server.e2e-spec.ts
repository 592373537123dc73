import request from 'supertest';
import {
  calendarEntry,
  CALENDAR_PATH,
  HOME_PATH,
  homeListing,
  homeSetAnswer,
  type HostileCalDav,
  multistatus,
  PRINCIPAL_PATH,
  principalAnswer,
  startHostileCalDav,
} from '../support/caldav/hostile-caldav.js';
import { bearer, type TestApp, waitFor } from '../support/test-app.js';
import { db, newUser, settled, startCalendarApp, syncLog, syncNow, userToken } from './helpers.js';

/**
 * A CalDAV server that tries to get the password to another origin, or to break the hub with
 * what it answers. `good` is the server the user enters; `evil` is another origin (another
 * port on 127.0.0.1) that counts what reaches it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startCalendarApp();
});
afterAll(() => t.close());

let good: HostileCalDav;
let evil: HostileCalDav;
beforeEach(async () => {
  good = await startHostileCalDav();
  evil = await startHostileCalDav();
});
afterEach(async () => {
  await good.stop();
  await evil.stop();
});

const PASSWORD = `pw-hostile-${Math.random().toString(36).slice(2)}`;
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64');

async function newAuth() {
  const user = newUser('hostile');
  return { user, auth: bearer(await userToken(t, user)) };
}

function putAccount(
  auth: { Authorization: string },
  serverUrl: string,
  extra: Record<string, unknown> = { autoBind: false },
) {
  return request(t.url)
    .put('/calendar/account')
    .set(auth)
    .send({ serverUrl, username: 'alice', password: PASSWORD, ...extra });
}

function expectProblem(res: request.Response, status: number, field: string) {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(res.body.errors[0].field).toBe(field);
}

describe('credentials go only to the origin the user gave', () => {
  it('refuses a current-user-principal on another origin, naming it, and sends it nothing', async () => {
    good.route = (r) =>
      r.body.includes('current-user-principal')
        ? principalAnswer(`${evil.origin}${PRINCIPAL_PATH}`)
        : undefined;
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url);
    expectProblem(res, 422, 'serverUrl');
    expect(res.body.detail).toContain(`${evil.origin}${PRINCIPAL_PATH}`);
    expect(res.body.detail).toContain('another origin');
    expect(evil.requests).toEqual([]);
  });

  it('refuses a calendar-home-set on another origin, naming it, and sends it nothing', async () => {
    good.route = (r) =>
      r.body.includes('calendar-home-set')
        ? homeSetAnswer(`${evil.origin}${HOME_PATH}`)
        : undefined;
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url);
    expectProblem(res, 422, 'serverUrl');
    expect(res.body.detail).toContain(`${evil.origin}${HOME_PATH}`);
    expect(evil.requests).toEqual([]);
  });

  it('refuses a calendar listed on another origin (where the appointments would be PUT)', async () => {
    good.route = (r) =>
      r.method === 'PROPFIND' && r.path === HOME_PATH
        ? homeListing([calendarEntry(`${evil.origin}${CALENDAR_PATH}`)])
        : undefined;
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url, {});
    expectProblem(res, 422, 'serverUrl');
    expect(res.body.detail).toContain(`${evil.origin}${CALENDAR_PATH}`);
    expect(evil.requests).toEqual([]);
  });

  it('does not follow a /.well-known/caldav redirect to another origin; names it when the given URL is no CalDAV endpoint', async () => {
    good.route = (r) =>
      r.path === '/.well-known/caldav'
        ? { status: 301, headers: { location: `${evil.origin}/dav/` } }
        : { status: 404 };
    evil.route = () => principalAnswer(PRINCIPAL_PATH);
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url);
    expectProblem(res, 422, 'serverUrl');
    expect(res.body.detail).toContain(`redirects to ${evil.origin}/dav/`);
    expect(res.body.detail).toContain(`enter ${evil.origin}/dav/ as serverUrl`);
    expect(evil.requests).toEqual([]);
  });

  it('with a well-known redirect to another origin, uses the URL the user gave when it is a CalDAV endpoint', async () => {
    good.route = (r) =>
      r.path === '/.well-known/caldav'
        ? { status: 307, headers: { location: `${evil.origin}/dav/` } }
        : undefined;
    evil.route = () => principalAnswer(PRINCIPAL_PATH);
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url).expect(200);
    expect(res.body.homeSetUrl).toBe(`${good.origin}${HOME_PATH}`);
    expect(evil.requests).toEqual([]);
  });

  it('a stored calendar URL on another origin gets nothing; the run records a clear error', async () => {
    const { auth } = await newAuth();
    const put = await putAccount(auth, good.url, {}).expect(200);
    const bindingId = put.body.autoBoundBindingId as string;
    expect(bindingId).toEqual(expect.any(String));
    await settled(t);
    await db(t).query(`UPDATE calendar_bindings SET calendar_url = $2 WHERE id = $1`, [
      bindingId,
      `${evil.origin}${CALENDAR_PATH}`,
    ]);
    const row = await syncNow(t, { user: '', token: '', auth }, bindingId);
    expect(row.firstError).toContain(`${evil.origin}${CALENDAR_PATH}`);
    expect(row.firstError).toContain('another origin');
    const binding = await request(t.url)
      .get(`/calendar/bindings/${bindingId}`)
      .set(auth)
      .expect(200);
    expect(binding.body.lastSyncError).toContain(evil.origin);
    expect(evil.requests).toEqual([]);
  });

  it('moving the account to another origin needs the password again; nothing is sent there until it is given', async () => {
    const { auth } = await newAuth();
    await putAccount(auth, good.url).expect(200);
    for (const kept of [{ password: undefined }, { password: '[redacted]' }]) {
      const res = await request(t.url)
        .put('/calendar/account')
        .set(auth)
        .send({ serverUrl: evil.url, username: 'alice', autoBind: false, ...kept });
      expectProblem(res, 400, 'password');
      expect(res.body.detail).toContain(evil.origin);
    }
    expect(evil.requests).toEqual([]);
    const account = await request(t.url).get('/calendar/account').set(auth).expect(200);
    expect(account.body.serverUrl).toBe(good.url);
    // Another URL on the same origin keeps the stored password.
    await request(t.url)
      .put('/calendar/account')
      .set(auth)
      .send({ serverUrl: `${good.origin}/dav/`, username: 'alice', autoBind: false })
      .expect(200);
    // Given again, it goes where the user said.
    await putAccount(auth, evil.url).expect(200);
    expect(evil.authorized()).toBeGreaterThan(0);
  });
});

const deep = `<d:multistatus xmlns:d="DAV:">${'<d:x>'.repeat(10_000)}${'</d:x>'.repeat(10_000)}</d:multistatus>`;
const UNREADABLE: [string, string][] = [
  ['garbage', 'not xml at all \u0001\u0002'],
  ['HTML', '<html><body><h1>Please log in</h1></body></html>'],
  ['10,000-deep nesting', deep],
  [
    'an entity over the limit',
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "${'x'.repeat(100_000)}">]><d:multistatus xmlns:d="DAV:"><d:response><d:href>&a;</d:href></d:response></d:multistatus>`,
  ],
  [
    'an XXE DTD',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d:multistatus xmlns:d="DAV:"><d:response><d:href>&xxe;</d:href></d:response></d:multistatus>',
  ],
];

describe('no discovery answer becomes a 500', () => {
  it.each(UNREADABLE)(
    'a home-set answer that is %s is a 422 naming serverUrl and what the server sent',
    async (_name, body) => {
      good.route = (r) =>
        r.body.includes('calendar-home-set')
          ? { status: 207, headers: { 'content-type': 'application/xml' }, body }
          : undefined;
      const { auth } = await newAuth();
      const res = await putAccount(auth, good.url);
      expectProblem(res, 422, 'serverUrl');
      expect(res.body.detail).toContain('not a readable DAV multistatus');
      expect(res.body.detail).toContain('it sent: ');
      expect(res.body.detail.length).toBeLessThan(1000);
    },
  );

  it('an unreadable principal answer is a 422 naming serverUrl', async () => {
    good.route = (r) =>
      r.body.includes('current-user-principal')
        ? { status: 207, body: '<html><body>Sign in</body></html>' }
        : undefined;
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url);
    expectProblem(res, 422, 'serverUrl');
  });

  it('an answer echoing the credentials is quoted redacted', async () => {
    good.route = (r) =>
      r.body.includes('calendar-home-set')
        ? { status: 207, body: `<html>${r.authorization} ${BASIC} ${PASSWORD}</html>` }
        : undefined;
    const { auth } = await newAuth();
    const res = await putAccount(auth, good.url);
    expectProblem(res, 422, 'serverUrl');
    expect(res.body.detail).toContain('it sent: ');
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.body)).not.toContain(BASIC);
  });

  it('a calendar href with a malformed %-escape is a 422 on PUT and on GET /calendar/calendars', async () => {
    const { auth } = await newAuth();
    await putAccount(auth, good.url).expect(200);
    good.route = (r) =>
      r.method === 'PROPFIND' && r.path === HOME_PATH
        ? homeListing([calendarEntry(`${HOME_PATH}bad%zz/`)])
        : undefined;
    const list = await request(t.url).get('/calendar/calendars').set(auth);
    expectProblem(list, 422, 'serverUrl');
    expect(list.body.detail).toContain('%zz');
    const other = await newAuth();
    const put = await putAccount(other.auth, good.url, {});
    expectProblem(put, 422, 'serverUrl');
    expect(put.body.detail).toContain('malformed %-escape');
  });
});

describe('peer text is stored, never a failed insert', () => {
  it('a NUL in a calendar name and sync token is stored as U+FFFD', async () => {
    good.route = (r) => {
      if (r.method === 'PROPFIND' && r.path === HOME_PATH)
        return homeListing([calendarEntry(CALENDAR_PATH, 'Work\u0000x', 'tok\u0000')]);
      if (r.path === CALENDAR_PATH)
        return r.depth === '0'
          ? multistatus([calendarEntry(CALENDAR_PATH, 'Work\u0000x', 'tok\u0000')])
          : multistatus([], '<d:sync-token>tok\u0000</d:sync-token>');
      return undefined;
    };
    const { auth } = await newAuth();
    const put = await putAccount(auth, good.url, {}).expect(200);
    const bindingId = put.body.autoBoundBindingId as string;
    const [row] = await waitFor(
      async () => {
        const rows = await syncLog(t, { user: '', token: '', auth }, bindingId);
        return rows.length > 0 ? rows : undefined;
      },
      20000,
      'the first run of the binding',
    );
    expect(row.errors).toBe(0);
    const [b] = await db(t).query(
      `SELECT display_name, sync_token, last_sync_error FROM calendar_bindings WHERE id = $1`,
      [bindingId],
    );
    expect(b).toEqual({
      display_name: 'Work\uFFFDx',
      sync_token: 'tok\uFFFD',
      last_sync_error: null,
    });
  });

  it.each([
    [403, 'done'],
    [500, 'retried'],
  ])(
    'a %i error body with NUL bytes gets its sync-log row, lastSyncError and a settled job',
    async (status) => {
      const { auth } = await newAuth();
      const put = await putAccount(auth, good.url, {}).expect(200);
      const bindingId = put.body.autoBoundBindingId as string;
      await settled(t);
      good.route = (r) =>
        r.path === CALENDAR_PATH ? { status, body: 'broken\u0000\u0000 answer' } : undefined;
      const row = await syncNow(t, { user: '', token: '', auth }, bindingId);
      expect(row.firstError).toContain(`answered ${status}: broken\uFFFD\uFFFD answer`);
      const [b] = await db(t).query(`SELECT last_sync_error FROM calendar_bindings WHERE id = $1`, [
        bindingId,
      ]);
      expect(b.last_sync_error).toContain('\uFFFD');
      const job = await waitFor(
        async () => {
          const [j] = await db(t).query(
            `SELECT status, last_error FROM jobs WHERE queue = 'calendar.sync' AND key = $1 ORDER BY seq DESC LIMIT 1`,
            [bindingId],
          );
          return j.status === 'running' ? undefined : j;
        },
        20000,
        'the job to settle',
      );
      expect(job.status).toBe(status === 500 ? 'pending' : 'succeeded');
    },
  );
});

describe('Retry-After', () => {
  it('a 429 with Retry-After: 99999999 settles the job as a retry at most a day out; the binding records it', async () => {
    const { auth } = await newAuth();
    const put = await putAccount(auth, good.url, {}).expect(200);
    const bindingId = put.body.autoBoundBindingId as string;
    await settled(t);
    good.route = (r) =>
      r.path === CALENDAR_PATH
        ? { status: 429, headers: { 'retry-after': '99999999' }, body: 'slow down' }
        : undefined;
    const requestedAt = Date.now();
    await request(t.url).post(`/calendar/bindings/${bindingId}/sync`).set(auth).expect(202);
    const job = await waitFor(
      async () => {
        const [j] = await db(t).query(
          `SELECT status, run_at, last_error, attempt FROM jobs
           WHERE queue = 'calendar.sync' AND key = $1 AND updated_at >= $2 AND status <> 'running'
             AND last_error IS NOT NULL ORDER BY seq DESC LIMIT 1`,
          [bindingId, new Date(requestedAt)],
        );
        return j;
      },
      20000,
      'the 429 run to settle',
    );
    expect(job.status).toBe('pending');
    expect(job.last_error).toContain('answered 429');
    const delay = new Date(job.run_at).getTime() - requestedAt;
    expect(delay).toBeGreaterThan(23 * 3600_000);
    expect(delay).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    const [row] = await syncLog(t, { user: '', token: '', auth }, bindingId);
    expect(row.firstError).toContain('answered 429');
    const [attempt] = await db(t).query(
      `SELECT a.outcome, a.applied FROM job_attempts a JOIN jobs j ON j.id = a.job_id
       WHERE j.queue = 'calendar.sync' AND j.key = $1 ORDER BY a.id DESC LIMIT 1`,
      [bindingId],
    );
    expect(attempt).toEqual({ outcome: 'retried', applied: true });
  });
});
