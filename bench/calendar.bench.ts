import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import { parseAppointment } from '../src/calendar/appointments/appointment.js';
import { buildIcs } from '../src/calendar/caldav/icalendar.js';
import {
  startCalDavServer,
  type CalDavServer,
  type CalDavServerKind,
} from '../test/support/caldav/caldav-servers.js';
import { spawnApp } from '../test/support/child-app.js';
import { liveHeapMiB, promMetrics } from './heap-support.js';
import { benchDatabase, percentile, table, writeResults } from './support.js';
import { call, JWT_SECRET, ok, rssKiB, sleep, token } from './sync-support.js';

/**
 * Calendar sync against real Radicale and Xandikos servers (started here, on loopback):
 * 1. first sync of N appointments into a new Radicale calendar (the binding's first run, from
 *    its sync-log row) against a bare sequential PUT loop of the same objects to the same server;
 * 2. no-change runs on each server: each run's `durationMs`, and right after it the same
 *    `sync-collection` REPORT sent bare by the bench: what the server alone takes to say
 *    "nothing changed". The hub's own share of a run is the difference, paired run by run;
 * 3. rows read: appointment and target rows PostgreSQL read per Xandikos no-change run;
 * 4. memory, on the Radicale binding: the V8 heap live after a full GC after WARMUP runs and
 *    after RUNS more (a leak shows there), and every 10 runs the RSS and V8's heap without a
 *    GC (they rise with garbage until V8 collects it, so their end points alone say little).
 */
const N = Number(process.env.BENCH_CALENDAR_APPOINTMENTS ?? 1000);
const RUNS = Number(process.env.BENCH_CALENDAR_RUNS ?? 100);
const WARMUP = 10;
const TARGETS = { firstSyncRatio: 1.5, noChangeMs: 50, heapGrowthMiB: 1, rssMiB: 250 };
const ADMIN = 'bench-admin-token-0123456789abcdef';
/** One user per server: an account is per user. Both may see every appointment. */
const USERS: Record<CalDavServerKind, string> = { radicale: 'bench-dana', xandikos: 'bench-erin' };

interface LogRow {
  id: string;
  duration_ms: number;
  created: number;
  unchanged: number;
  errors: number;
  first_error: string | null;
}

function appointmentData(i: number) {
  const start = new Date(Date.UTC(2027, 0, 1, 8) + i * 3_600_000);
  return {
    title: `Appointment ${i}`,
    start: start.toISOString(),
    end: new Date(start.getTime() + 1_800_000).toISOString(),
    timezone: 'Europe/Berlin',
    location: `Room ${i % 7}`,
    ownerUserId: USERS.radicale,
    visibleTo: Object.values(USERS),
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
    const { ics } = buildIcs(parsed.value, { uid: `bare-${i}@bench`, sequence: 0 });
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

const XML = { 'content-type': 'application/xml; charset=utf-8' };

async function syncToken(server: CalDavServer, calendarPath: string): Promise<string> {
  const res = await server.dav(
    'PROPFIND',
    calendarPath,
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>',
    { ...XML, depth: '0' },
  );
  const token = /<[^>]*sync-token>([^<]+)</.exec(res.body)?.[1];
  if (!token) throw new Error(`no sync-token on ${calendarPath}: ${res.status}`);
  return token;
}

/** The REPORT a no-change run sends, sent bare through the same front proxy; its duration. */
async function bareSyncReport(
  server: CalDavServer,
  calendarPath: string,
  token: string,
): Promise<number> {
  const started = performance.now();
  const res = await server.dav(
    'REPORT',
    calendarPath,
    `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token>` +
      '<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
    { ...XML, depth: '1' },
  );
  if (res.status !== 207) throw new Error(`bare REPORT: ${res.status}`);
  return performance.now() - started;
}

interface Bench {
  appUrl: string;
  agent: Agent;
  sql: pg.Client;
}

/** The newest sync-log row of a binding (read from the table: no load on the app). */
async function latestRun(b: Bench, bindingId: string): Promise<LogRow | undefined> {
  const { rows } = await b.sql.query<LogRow>(
    `SELECT l.id::text AS id, l.duration_ms, l.created, l.unchanged, l.errors, l.first_error
       FROM calendar_sync_log l WHERE l.binding_id = $1 ORDER BY l.id DESC LIMIT 1`,
    [bindingId],
  );
  return rows[0];
}

async function nextRun(b: Bench, bindingId: string, after: string | undefined): Promise<LogRow> {
  for (;;) {
    const row = await latestRun(b, bindingId);
    if (row && row.id !== after) return row;
    await sleep(5);
  }
}

/** Connects `server` for its user and binds a new calendar; returns it after its first run. */
async function connectAndBind(
  b: Bench,
  server: CalDavServer,
): Promise<{ id: string; calendarPath: string; user: string; first: LogRow }> {
  const user = await token(USERS[server.kind]);
  await ok(
    call(b.agent, b.appUrl, 'PUT', '/calendar/account', user, {
      serverUrl: server.url,
      username: server.username,
      password: server.password,
      autoBind: false,
    }),
    `connect ${server.kind}`,
  );
  const binding = (await ok(
    call(b.agent, b.appUrl, 'POST', '/calendar/bindings', user, {
      create: true,
      scopeKind: 'all_visible',
    }),
    `bind ${server.kind}`,
  )) as { id: string; calendarPath: string };
  const first = await nextRun(b, binding.id, undefined);
  if (first.created !== N || first.errors)
    throw new Error(`first sync on ${server.kind}: ${JSON.stringify(first)}`);
  return { ...binding, user, first };
}

interface NoChange {
  hub: number[];
  bare: number[];
  /** Per run: the hub's duration minus the bare REPORT right after it. */
  share: number[];
  /** Per run: the requests the hub sent (counted at the front proxy, before the bare one). */
  requests: number[];
}

async function noChangeRuns(
  b: Bench,
  server: CalDavServer,
  binding: { id: string; calendarPath: string; user: string },
  runs: number,
  into: NoChange = { hub: [], bare: [], share: [], requests: [] },
): Promise<NoChange> {
  const token = await syncToken(server, binding.calendarPath);
  let last = (await latestRun(b, binding.id))?.id;
  for (let i = 0; i < runs; i++) {
    const sentBefore = server.requests.length;
    await ok(
      call(b.agent, b.appUrl, 'POST', `/calendar/bindings/${binding.id}/sync`, binding.user),
      'sync',
    );
    const row = await nextRun(b, binding.id, last);
    last = row.id;
    // unchanged is 0 when the run only asked the server (nothing in scope changed), N when
    // it compared every appointment.
    if ((row.unchanged !== N && row.unchanged !== 0) || row.created || row.errors)
      throw new Error(`a no-change run changed something: ${JSON.stringify(row)}`);
    into.requests.push(server.requests.length - sentBefore);
    const bare = await bareSyncReport(server, binding.calendarPath, token);
    into.hub.push(row.duration_ms);
    into.bare.push(bare);
    into.share.push(row.duration_ms - bare);
  }
  return into;
}

/**
 * Rows PostgreSQL read from calendar_appointments and calendar_targets so far (sequential
 * scans plus index entries). A backend sends its counts at most once a second and, when idle,
 * within 10 s: the bench waits that out first, so the figure includes every run before it.
 */
async function rowsRead(sql: pg.Client): Promise<number> {
  await sleep(11_000);
  const { rows } = await sql.query<{ n: string }>(
    `SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables
              WHERE relname IN ('calendar_appointments', 'calendar_targets'))
          + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes
              WHERE relname IN ('calendar_appointments', 'calendar_targets')) AS n`,
  );
  return Number(rows[0].n);
}

/** What the RSS is made of, without forcing a GC (MiB): V8's heap (live and garbage) and buffers. */
async function memorySample(b: Bench, pid: number) {
  const metrics = await promMetrics(b.agent, b.appUrl, ADMIN);
  const mib = (name: string) => Math.round((metrics.get(name) ?? NaN) / 2 ** 20);
  return {
    rss: Math.round(rssKiB(pid) / 1024),
    heapTotal: mib('nodejs_heap_size_total_bytes'),
    heapUsed: mib('nodejs_heap_size_used_bytes'),
    external: mib('nodejs_external_memory_bytes'),
  };
}

const p50 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const p95 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    95,
  );
const ms = (x: number) => `${Math.round(x)}`;

function noChangeRows(kind: CalDavServerKind, r: NoChange) {
  return [
    {
      measure: `${kind}: no-change run p50 / p95 (${r.hub.length} runs, ${N} objects)`,
      value: `${ms(p50(r.hub))} / ${ms(p95(r.hub))} ms`,
      target: '',
      met: '',
    },
    {
      measure: `${kind}: the same REPORT sent bare, p50 / p95`,
      value: `${ms(p50(r.bare))} / ${ms(p95(r.bare))} ms`,
      target: '',
      met: '',
    },
    {
      measure: `${kind}: CalDAV requests the hub sent per no-change run, max`,
      value: `${Math.max(...r.requests)}`,
      target: '1',
      met: Math.max(...r.requests) === 1 ? 'yes' : 'NO',
    },
    {
      measure: `${kind}: the hub's own share of a run, p50 / p95`,
      value: `${ms(p50(r.share))} / ${ms(p95(r.share))} ms`,
      target: `p50 < ${TARGETS.noChangeMs} ms`,
      met: p50(r.share) < TARGETS.noChangeMs ? 'yes' : 'NO',
    },
  ];
}

async function stop(app: { process: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  app.process.kill('SIGTERM');
  await app.exited;
}

export async function runCalendarBench(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const db = await benchDatabase();
  // Heap snapshots (for liveHeapMiB) land in the app's working directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-bench-calendar-'));
  const radicale = await startCalDavServer('radicale');
  const xandikos = await startCalDavServer('xandikos');
  const child = spawnApp(
    {
      DATABASE_URL: db.url,
      ADMIN_TOKEN: ADMIN,
      JWT_SECRET,
      SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      OUTBOUND_ALLOW_PRIVATE: 'true',
      CALENDAR_SYNC_INTERVAL: '1h',
    },
    dir,
    [
      '--heapsnapshot-signal=SIGUSR2',
      // As in startApp (support.ts): extra node flags for the app, e.g. a profiler.
      ...(process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  );
  const app = { ...child, url: await child.ready };
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const b: Bench = { appUrl: app.url, agent: new Agent({ keepAlive: true }), sql };
  try {
    for (let i = 0; i < N; i += 100) {
      const batch = Array.from({ length: Math.min(100, N - i) }, (_, k) => ({
        type: 'appointment.created',
        source: 'bench',
        subject: `apt-${i + k}`,
        data: appointmentData(i + k),
      }));
      await ok(call(b.agent, app.url, 'POST', '/events', ADMIN, batch), 'publish');
    }
    for (;;) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM calendar_appointments`,
      );
      if (rows[0].n >= N) break;
      await sleep(50);
    }

    // 1. First sync against the bare loop, each into a new calendar of the same Radicale.
    const bareHome = `${radicale.homePath}bare-loop/`;
    const made = await radicale.dav('MKCALENDAR', bareHome);
    if (made.status !== 201) throw new Error(`MKCALENDAR ${bareHome}: ${made.status}`);
    const bareMs = await barePutLoop(radicale, bareHome);
    const onRadicale = await connectAndBind(b, radicale);
    const first = onRadicale.first;

    // 2./3. No-change runs on Radicale. First what RSS and V8's heap do over RUNS runs,
    // without a GC and before any heap snapshot: a snapshot's own buffers stay in the RSS
    // from then on (about 180 MiB here), so RSS sampled after one measures the probe. Then
    // the live heap after a full GC before and after RUNS more runs (a leak shows there).
    const radicaleRuns = await noChangeRuns(b, radicale, onRadicale, WARMUP);
    const rssBeforeSnapshot = Math.round(rssKiB(app.process.pid!) / 1024);
    const memory = [{ runs: WARMUP, ...(await memorySample(b, app.process.pid!)) }];
    for (let done = 0; done < RUNS; done += 10) {
      await noChangeRuns(b, radicale, onRadicale, Math.min(10, RUNS - done), radicaleRuns);
      memory.push({ runs: WARMUP + done + 10, ...(await memorySample(b, app.process.pid!)) });
    }
    const heapBefore = await liveHeapMiB(app, dir, b.agent, ADMIN);
    await noChangeRuns(b, radicale, onRadicale, RUNS, radicaleRuns);
    const heapAfter = await liveHeapMiB(app, dir, b.agent, ADMIN);

    // 2. again on Xandikos, whose sync-collection does not scan the collection.
    const onXandikos = await connectAndBind(b, xandikos);
    const rowsBefore = await rowsRead(sql);
    const xandikosRuns = await noChangeRuns(b, xandikos, onXandikos, RUNS);
    const rowsPerRun = ((await rowsRead(sql)) - rowsBefore) / RUNS;

    const ratio = first.duration_ms / bareMs;
    const rss = memory.map((m) => m.rss).sort((x, y) => x - y);
    const heapGrowth = heapAfter - heapBefore;
    const rows = [
      {
        measure: `radicale: first sync of ${N} appointments (hub)`,
        value: `${first.duration_ms} ms`,
        target: '',
        met: '',
      },
      {
        measure: `radicale: bare sequential PUT loop, same ${N} objects`,
        value: `${ms(bareMs)} ms`,
        target: '',
        met: '',
      },
      {
        measure: 'radicale: hub / bare',
        value: ratio.toFixed(2),
        target: `<= ${TARGETS.firstSyncRatio}`,
        met: ratio <= TARGETS.firstSyncRatio ? 'yes' : 'NO',
      },
      ...noChangeRows('radicale', radicaleRuns),
      ...noChangeRows('xandikos', xandikosRuns),
      {
        measure: `xandikos: whole no-change run p50`,
        value: `${ms(p50(xandikosRuns.hub))} ms`,
        target: `< ${TARGETS.noChangeMs} ms`,
        met: p50(xandikosRuns.hub) < TARGETS.noChangeMs ? 'yes' : 'NO',
      },
      {
        measure: `xandikos: appointment and target rows read per no-change run (with "sync now")`,
        value: rowsPerRun.toFixed(1),
        target: '0',
        met: rowsPerRun === 0 ? 'yes' : 'NO',
      },
      {
        measure: `app RSS after ${WARMUP} no-change runs`,
        value: `${rssBeforeSnapshot} MiB`,
        target: `< ${TARGETS.rssMiB} MiB`,
        met: rssBeforeSnapshot < TARGETS.rssMiB ? 'yes' : 'NO',
      },
      {
        measure: `app RSS over the ${RUNS} runs after it (no heap snapshot yet): min / median / max`,
        value: `${rss[0]} / ${p50(rss)} / ${rss[rss.length - 1]} MiB`,
        target: `max < ${TARGETS.rssMiB} MiB`,
        met: rss[rss.length - 1] < TARGETS.rssMiB ? 'yes' : 'NO',
      },
      {
        measure: `live V8 heap (after a full GC) after ${WARMUP + RUNS} runs / after ${RUNS} more`,
        value: `${heapBefore.toFixed(1)} / ${heapAfter.toFixed(1)} MiB`,
        target: `growth < ${TARGETS.heapGrowthMiB} MiB`,
        met: heapGrowth < TARGETS.heapGrowthMiB ? 'yes' : 'NO',
      },
    ];
    console.log(table(rows));
    console.log(table(memory.map((m) => ({ ...m }))));
    console.log(`load average before: ${loadBefore.toFixed(2)}, cores: ${os.cpus().length}`);
    console.log(
      writeResults('calendar', {
        rows,
        bareMs,
        first,
        radicaleRuns,
        xandikosRuns,
        rowsPerRun,
        rssBeforeSnapshot,
        memory,
        heapBefore,
        heapAfter,
      }),
    );
  } finally {
    b.agent.destroy();
    await sql.end();
    await stop(app);
    await radicale.stop();
    await xandikos.stop();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
