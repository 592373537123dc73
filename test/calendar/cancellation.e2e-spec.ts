import request from 'supertest';
import {
  CALENDAR_PATH,
  type HostileCalDav,
  startHostileCalDav,
} from '../support/caldav/hostile-caldav.js';
import { bearer, type TestApp, waitFor } from '../support/test-app.js';
import { db, newUser, settled, startCalendarApp, syncLog, userToken } from './helpers.js';

/**
 * A CalDAV server that starts its answer and never finishes it. The run's job timeout
 * (CALENDAR_SYNC_TIMEOUT_MS, far below CALENDAR_HTTP_TIMEOUT_MS here) must reach the socket:
 * the run stops at the timeout and the connection is closed, instead of the request hanging
 * on until its own deadline beside the next run of the binding.
 */
let t: TestApp;
let server: HostileCalDav;
beforeAll(async () => {
  t = await startCalendarApp({
    env: { CALENDAR_SYNC_TIMEOUT_MS: '1500', CALENDAR_HTTP_TIMEOUT_MS: '120000' },
  });
  server = await startHostileCalDav();
});
afterAll(async () => {
  await t?.close();
  await server?.stop();
});

it('aborts a run whose server hangs mid-body at the job timeout and closes its socket', async () => {
  const user = newUser('hang');
  const auth = bearer(await userToken(t, user));
  const put = await request(t.url)
    .put('/calendar/account')
    .set(auth)
    .send({ serverUrl: server.url, username: 'alice', password: 'pw-hang' })
    .expect(200);
  const bindingId = put.body.autoBoundBindingId as string;
  await settled(t);
  server.route = (r) =>
    r.path === CALENDAR_PATH && (r.method === 'REPORT' || r.method === 'PROPFIND')
      ? {
          status: 207,
          headers: { 'content-type': 'application/xml; charset=utf-8' },
          body: '<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:"><d:response>',
          stall: true,
        }
      : undefined;
  const stallsBefore = server.stalls();
  const requestedAt = new Date();
  await request(t.url).post(`/calendar/bindings/${bindingId}/sync`).set(auth).expect(202);
  await waitFor(() => server.stalls() > stallsBefore, 10000, 'the server to stall an answer');

  const attempt = await waitFor(
    async () => {
      const [a] = await db(t).query(
        `SELECT a.outcome, a.error, a.duration_ms FROM job_attempts a JOIN jobs j ON j.id = a.job_id
         WHERE j.queue = 'calendar.sync' AND j.key = $1 AND a.started_at >= $2 ORDER BY a.id LIMIT 1`,
        [bindingId, requestedAt],
      );
      return a as { outcome: string; error: string; duration_ms: number } | undefined;
    },
    10000,
    'the stalled run to be settled',
  );
  expect(attempt.outcome).toBe('retried');
  // The handler returned at the abort (no "ignored its signal"): its socket was closed.
  expect(attempt.error).toBe('timed out after 1500 ms');
  await waitFor(() => server.stalledOpen() === 0, 5000, 'the stalled socket to be closed');
  const [row] = await syncLog(t, { user, token: '', auth }, bindingId);
  expect(row.firstError).toContain('aborted by the caller');
  server.route = () => undefined;
});
