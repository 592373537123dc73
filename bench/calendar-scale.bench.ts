import * as fs from 'node:fs';
import * as os from 'node:os';
import { Agent } from 'node:http';
import pg from 'pg';
import { startFakeCalDav } from './fake-caldav.js';
import { benchAppEnv, benchDatabase, startApp, table, writeResults } from './support.js';
import { call, ok, rssKiB, sleep, token } from './sync-support.js';

/**
 * Calendar at scale: BINDINGS bindings (one per user) on a 5-minute interval against a fake
 * CalDAV server on loopback that never changes (fake-caldav.ts). Accounts, bindings and their
 * schedules are written by SQL (one account is connected through the API; its row is copied),
 * in the state a clean run leaves (the server's token stored; scope version synced where the
 * column exists), with the next runs spread evenly over the interval. After a warm-up, counts
 * over a window the app's CPU time (utime + stime from /proc: the app alone, whatever else
 * runs on the machine), the runs it completed (sync-log rows) and the requests the fake saw.
 */
const BINDINGS = Number(process.env.BENCH_CALENDAR_SCALE_BINDINGS ?? 10_000);
const INTERVAL_S = 300;
const WARMUP_S = Number(process.env.BENCH_CALENDAR_SCALE_WARMUP_S ?? 40);
const WINDOW_S = Number(process.env.BENCH_CALENDAR_SCALE_SECONDS ?? 60);
const TARGET_PERCENT = 25;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const TOKEN = 'http://fake.invalid/sync/1';

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

async function seed(sql: pg.Client, fakeUrl: string): Promise<void> {
  await sql.query(
    `INSERT INTO calendar_accounts (user_id, server_url, username, password_sealed, principal_url, home_set_url)
     SELECT 'scale-' || i, server_url, username, password_sealed, principal_url, home_set_url
       FROM calendar_accounts, generate_series(1, $1 - 1) i WHERE user_id = 'scale-0'`,
    [BINDINGS],
  );
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_name = 'calendar_bindings' AND column_name = 'synced_scope_version'`,
  );
  const versioned = rows[0].n > 0;
  await sql.query(
    `INSERT INTO calendar_bindings (user_id, calendar_url, display_name, scope_kind, include_personal,
       enabled, conflict_policy, sync_token, last_sync_at${versioned ? ', synced_scope_version' : ''})
     SELECT 'scale-' || i, $1 || 'cal/' || i || '/', 'scale', 'all_visible', false, true, 'hub_wins',
       $2, now()${versioned ? ', 0' : ''}
       FROM generate_series(0, $3 - 1) i`,
    [fakeUrl, TOKEN, BINDINGS],
  );
  // Spread over the interval, as bindings created over time are.
  await sql.query(
    `INSERT INTO job_schedules (queue, key, every_ms, payload, next_run_at)
     SELECT 'calendar.sync', b.id::text, $1, jsonb_build_object('bindingId', b.id::text),
            now() + (row_number() OVER (ORDER BY b.id)) * $2::float8 * interval '1 millisecond'
       FROM calendar_bindings b`,
    [INTERVAL_S * 1000, (INTERVAL_S * 1000) / BINDINGS],
  );
  await sql.query(`SELECT pg_notify('hub_job_schedules', '')`);
}

export async function runCalendarScaleBench(): Promise<void> {
  const loadBefore = os.loadavg();
  const db = await benchDatabase();
  const fake = await startFakeCalDav();
  const app = await startApp({
    ...benchAppEnv(db.url),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    CALENDAR_SYNC_INTERVAL: `${INTERVAL_S}s`,
  });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const agent = new Agent({ keepAlive: true });
  try {
    await ok(
      call(agent, app.url, 'PUT', '/calendar/account', await token('scale-0'), {
        serverUrl: fake.url,
        username: 'scale',
        password: 'scale-password',
        autoBind: false,
      }),
      'connect',
    );
    await seed(sql, fake.url);
    await sleep(WARMUP_S * 1000);
    const pid = app.process.pid!;
    const count = async () =>
      Number(
        (await sql.query<{ n: string }>(`SELECT count(*) AS n FROM calendar_sync_log`)).rows[0].n,
      );
    const requestsNow = () => [...fake.requests.values()].reduce((a, b) => a + b, 0);
    const ticks0 = cpuTicks(pid);
    const runs0 = await count();
    const requests0 = requestsNow();
    const started = performance.now();
    await sleep(WINDOW_S * 1000);
    const seconds = (performance.now() - started) / 1000;
    const ticks = cpuTicks(pid) - ticks0;
    const runs = (await count()) - runs0;
    const requests = requestsNow() - requests0;
    const { rows: lag } = await sql.query<{ overdue: number; errors: number }>(
      `SELECT (SELECT count(*)::int FROM job_schedules
                WHERE queue = 'calendar.sync' AND next_run_at < now() - interval '10 seconds') AS overdue,
              (SELECT count(*)::int FROM calendar_bindings WHERE last_sync_error IS NOT NULL) AS errors`,
    );
    const appPercent = (100 * ticks) / CLOCK_TICKS / seconds;
    const demanded = BINDINGS / INTERVAL_S;
    const loadAfter = os.loadavg();
    const rows = [
      {
        measure: `runs completed per second (${BINDINGS} bindings / ${INTERVAL_S} s = ${demanded.toFixed(1)}/s due)`,
        value: (runs / seconds).toFixed(1),
        target: `>= ${demanded.toFixed(1)}`,
        met: runs / seconds >= demanded * 0.95 ? 'yes' : 'NO',
      },
      {
        measure: 'CalDAV requests per run',
        value: runs ? (requests / runs).toFixed(2) : 'n/a',
        target: '1',
        met: runs && requests / runs <= 1.01 ? 'yes' : 'NO',
      },
      {
        measure: `app CPU over ${seconds.toFixed(0)} s (share of one core, /proc utime+stime)`,
        value: `${appPercent.toFixed(1)}%`,
        target: `< ${TARGET_PERCENT}%`,
        met: appPercent < TARGET_PERCENT ? 'yes' : 'NO',
      },
      {
        measure: 'app CPU per run',
        value: runs ? `${((ticks * 10) / runs).toFixed(2)} ms` : 'n/a',
        target: '',
        met: '',
      },
      {
        measure: 'schedules overdue > 10 s at the end',
        value: lag[0].overdue,
        target: '0',
        met: '',
      },
      { measure: 'bindings with an error', value: lag[0].errors, target: '0', met: '' },
      {
        measure: 'app RSS at the end',
        value: `${Math.round(rssKiB(pid) / 1024)} MiB`,
        target: '',
        met: '',
      },
    ];
    console.log(table(rows));
    console.log(
      `load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, after: ${loadAfter.map((l) => l.toFixed(2)).join(' / ')}; cores: ${os.cpus().length}`,
    );
    console.log(
      writeResults('calendar-scale', {
        rows,
        seconds,
        runs,
        requests,
        ticks,
        loadBefore,
        loadAfter,
      }),
    );
  } finally {
    agent.destroy();
    await sql.end();
    app.process.kill('SIGTERM');
    await app.exited;
    await fake.stop();
    await db.stop();
  }
}
