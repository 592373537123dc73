import type { ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import * as os from 'node:os';
import pg from 'pg';
import { parseAppointment } from '../src/calendar/appointments/appointment.js';
import { buildIcs } from '../src/calendar/caldav/icalendar.js';
import { startCalDavServer, type CalDavServer } from '../test/support/caldav/caldav-servers.js';
import { benchDatabase, percentile, startApp, table, writeResults } from './support.js';
import { call, JWT_SECRET, ok, sleep, steadyRss, token } from './sync-support.js';

/**
 * Calendar sync against a real Radicale (started here, on loopback):
 * 1. first sync of N appointments into a new calendar (the binding's first run, from its
 *    sync-log row) against a bare sequential PUT loop of the same objects to the same server;
 * 2. no-change runs: the duration of runs with nothing to push (sync-token pull only);
 * 3. memory: the app's RSS before and after 100 runs.
 */
const N = Number(process.env.BENCH_CALENDAR_APPOINTMENTS ?? 1000);
const NO_CHANGE_RUNS = Number(process.env.BENCH_CALENDAR_RUNS ?? 100);
const TARGETS = { firstSyncRatio: 1.5, noChangeP50Ms: 50 };
const ADMIN = 'bench-admin-token-0123456789abcdef';
const USER = 'bench-dana';

interface LogRow {
  durationMs: number;
  created: number;
  unchanged: number;
  errors: number;
  firstError: string | null;
}

function appointmentData(i: number) {
  const start = new Date(Date.UTC(2027, 0, 1, 8) + i * 3_600_000);
  return {
    title: `Appointment ${i}`,
    start: start.toISOString(),
    end: new Date(start.getTime() + 1_800_000).toISOString(),
    timezone: 'Europe/Berlin',
    location: `Room ${i % 7}`,
    ownerUserId: USER,
    visibleTo: [USER],
  };
}

/** The baseline: the same objects, PUT one after another with If-None-Match, keep-alive. */
async function barePutLoop(server: CalDavServer, calendarPath: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const auth = 'Basic ' + Buffer.from(`${server.username}:${server.password}`).toString('base64');
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const parsed = parseAppointment(`bare-${i}`, appointmentData(i));
    if (!parsed.ok) throw new Error(parsed.error);
    const ics = buildIcs(parsed.value, { uid: `bare-${i}@bench`, sequence: 0 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        new URL(`${calendarPath}bare-${i}.ics`, server.url),
        {
          method: 'PUT',
          agent,
          headers: { authorization: auth, 'content-type': 'text/calendar', 'if-none-match': '*' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(ics);
    });
    if (status >= 300) throw new Error(`bare PUT ${i}: ${status}`);
  }
  agent.destroy();
  return performance.now() - started;
}

async function stop(app: { process: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  app.process.kill('SIGTERM');
  await app.exited;
}

export async function runCalendarBench(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const db = await benchDatabase();
  const server = await startCalDavServer('radicale');
  const app = await startApp({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    JWT_SECRET,
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    CALENDAR_SYNC_INTERVAL: '1h',
  });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const agent = new Agent({ keepAlive: true });
  const user = await token(USER);
  const log = async (id: string): Promise<LogRow[]> =>
    (
      (await ok(
        call(agent, app.url, 'GET', `/calendar/bindings/${id}/sync-log?limit=500`, user),
        'log',
      )) as {
        data: LogRow[];
      }
    ).data;
  const waitForRuns = async (id: string, n: number) => {
    for (;;) {
      const rows = await log(id);
      if (rows.length >= n) return rows;
      await sleep(20);
    }
  };
  try {
    await ok(
      call(agent, app.url, 'PUT', '/calendar/account', user, {
        serverUrl: server.url,
        username: server.username,
        password: server.password,
        autoBind: false,
      }),
      'connect',
    );
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: Math.min(100, N - i) }, (_, k) => ({
        type: 'appointment.created',
        source: 'bench',
        subject: `apt-${i + k}`,
        data: appointmentData(i + k),
      }));
      await ok(call(agent, app.url, 'POST', '/events', ADMIN, batch), 'publish');
    }
    for (;;) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM calendar_appointments`,
      );
      if (rows[0].n >= N) break;
      await sleep(50);
    }

    // 1. First sync against the bare loop (each into its own new calendar on one server).
    const bare = (await ok(
      call(agent, app.url, 'POST', '/calendar/bindings', user, {
        create: true,
        scopeKind: 'all_visible',
        enabled: false,
      }),
      'bare calendar',
    )) as { id: string; calendarPath: string };
    const bareMs = await barePutLoop(server, bare.calendarPath);
    const created = (await ok(
      call(agent, app.url, 'POST', '/calendar/bindings', user, {
        create: true,
        scopeKind: 'all_visible',
      }),
      'binding',
    )) as { id: string };
    const [first] = await waitForRuns(created.id, 1);
    if (first.created !== N || first.errors)
      throw new Error(`first sync: ${JSON.stringify(first)}`);

    // 2./3. No-change runs, one after another, with RSS around them.
    const rssBefore = await steadyRss(app.process.pid!);
    for (let i = 0; i < NO_CHANGE_RUNS; i++) {
      await ok(call(agent, app.url, 'POST', `/calendar/bindings/${created.id}/sync`, user), 'sync');
      await waitForRuns(created.id, i + 2);
    }
    const rssAfter = await steadyRss(app.process.pid!);
    const runs = (await log(created.id)).slice(0, NO_CHANGE_RUNS);
    if (runs.some((r) => r.unchanged !== N || r.errors))
      throw new Error('a no-change run changed something');
    const durations = runs.map((r) => r.durationMs).sort((a, b) => a - b);
    const ratio = first.durationMs / bareMs;
    const rows = [
      {
        measure: `first sync of ${N} appointments (hub)`,
        value: `${first.durationMs} ms`,
        target: '',
        met: '',
      },
      {
        measure: `bare sequential PUT loop, same ${N} objects`,
        value: `${Math.round(bareMs)} ms`,
        target: '',
        met: '',
      },
      {
        measure: 'hub / bare',
        value: ratio.toFixed(2),
        target: `<= ${TARGETS.firstSyncRatio}`,
        met: ratio <= TARGETS.firstSyncRatio ? 'yes' : 'NO',
      },
      {
        measure: `no-change run p50 / p95 (${NO_CHANGE_RUNS} runs, ${N} objects)`,
        value: `${percentile(durations, 50)} / ${percentile(durations, 95)} ms`,
        target: `p50 < ${TARGETS.noChangeP50Ms} ms`,
        met: percentile(durations, 50) < TARGETS.noChangeP50Ms ? 'yes' : 'NO',
      },
      {
        measure: `app RSS before / after ${NO_CHANGE_RUNS} runs`,
        value: `${Math.round(rssBefore / 1024)} / ${Math.round(rssAfter / 1024)} MiB`,
        target: 'flat',
        met: rssAfter - rssBefore < 20 * 1024 ? 'yes' : 'NO',
      },
    ];
    console.log(table(rows));
    console.log(`load average before: ${loadBefore.toFixed(2)}, cores: ${os.cpus().length}`);
    console.log(writeResults('calendar', { rows, durations, bareMs, first, rssBefore, rssAfter }));
  } finally {
    agent.destroy();
    await sql.end();
    await stop(app);
    await server.stop();
    await db.stop();
  }
}
