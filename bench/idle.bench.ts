import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { benchAppEnv, benchDatabase, startApp, table, writeResults } from './support.js';
import { sleep } from './sync-support.js';

/**
 * The idle hub: the built app on its own embedded PostgreSQL, no traffic at all. After a
 * settle period, counts over a window the CPU time of the app process and of every process
 * of the PostgreSQL cluster (from /proc, so other load on the machine does not inflate it),
 * the transactions PostgreSQL committed (each one a wake-up of some loop), and the app's RSS.
 * With DATABASE_URL the PostgreSQL share is not measured (its processes are not ours).
 */
const SETTLE_S = Number(process.env.BENCH_IDLE_SETTLE_S ?? 20);
const WINDOW_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const TARGET_PERCENT = 0.5;
const CLOCK_TICKS = 100; // USER_HZ on Linux
// BENCH_IDLE_STATEMENTS=1: log every statement during the window and print the most frequent
// (logging costs PostgreSQL CPU, so the CPU figures of such a run are not the idle figures).
const LOG_STATEMENTS = process.env.BENCH_IDLE_STATEMENTS === '1';

/** utime + stime of one process in clock ticks, or undefined once it has gone. */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The postmaster and its children (backends, checkpointer, WAL writer, autovacuum ...). */
function clusterPids(dataDir: string): number[] {
  const postmaster = Number(
    fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const children = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function onDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function committedTransactions(url: string): Promise<number> {
  return onDatabase(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0].n);
  });
}

/** Sets log_statement for every session, existing ones included (a reload applies it). */
async function logStatements(url: string, value: 'all' | 'none'): Promise<void> {
  await onDatabase(url, async (client) => {
    await client.query(`ALTER SYSTEM SET log_statement = '${value}'`);
    await client.query('SELECT pg_reload_conf()');
  });
}

/** The statements logged since `offset` in the cluster's server.log, most frequent first. */
function frequentStatements(dataDir: string, offset: number, seconds: number) {
  const log = fs.readFileSync(path.join(dataDir, 'server.log'), 'utf8').slice(offset);
  const counts = new Map<string, number>();
  for (const match of log.matchAll(/(?:statement|execute [^:]*): (.*)/g)) {
    const text = match[1].replace(/\s+/g, ' ').slice(0, 110);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([statement, n]) => ({ 'per minute': ((n * 60) / seconds).toFixed(1), statement }));
}

export async function runIdleBench(): Promise<void> {
  const db = await benchDatabase();
  const app = await startApp(benchAppEnv(db.url));
  try {
    const appPid = app.process.pid!;
    await sleep(SETTLE_S * 1000);
    const pgBefore = new Map<number, number>();
    if (db.dataDir)
      for (const pid of clusterPids(db.dataDir)) pgBefore.set(pid, cpuTicks(pid) ?? 0);
    const appBefore = cpuTicks(appPid)!;
    if (LOG_STATEMENTS && db.dataDir) await logStatements(db.url, 'all');
    const logOffset = db.dataDir ? fs.statSync(path.join(db.dataDir, 'server.log')).size : 0;
    const xactBefore = await committedTransactions(db.url);
    const started = performance.now();
    await sleep(WINDOW_S * 1000);
    const seconds = (performance.now() - started) / 1000;
    const appTicks = cpuTicks(appPid)! - appBefore;
    let pgTicks = 0;
    if (db.dataDir)
      for (const pid of clusterPids(db.dataDir))
        pgTicks += (cpuTicks(pid) ?? 0) - (pgBefore.get(pid) ?? 0);
    // The two reads of pg_stat_database are themselves committed transactions.
    const transactions = (await committedTransactions(db.url)) - xactBefore - 1;
    if (LOG_STATEMENTS && db.dataDir) {
      await logStatements(db.url, 'none');
      console.log(table(frequentStatements(db.dataDir, logOffset, seconds)));
    }
    const appPercent = (100 * appTicks) / CLOCK_TICKS / seconds;
    const pgPercent = (100 * pgTicks) / CLOCK_TICKS / seconds;
    const total = appPercent + (db.dataDir ? pgPercent : 0);
    const result = {
      seconds,
      appPercent,
      postgresPercent: db.dataDir ? pgPercent : null,
      transactionsPerMinute: (transactions * 60) / seconds,
      appRssMiB: rssMiB(appPid),
    };
    console.log(
      table([
        {
          figure: `app CPU, % of one core over ${seconds.toFixed(0)} s`,
          value: appPercent.toFixed(2),
          target: '-',
        },
        {
          figure: 'PostgreSQL CPU, % of one core (all cluster processes)',
          value: db.dataDir ? pgPercent.toFixed(2) : 'not measured',
          target: '-',
        },
        { figure: 'app + PostgreSQL', value: total.toFixed(2), target: `< ${TARGET_PERCENT}` },
        {
          figure: 'transactions committed per minute',
          value: result.transactionsPerMinute.toFixed(0),
          target: '-',
        },
        { figure: 'app RSS, MiB', value: result.appRssMiB.toFixed(0), target: '-' },
      ]),
    );
    console.log(`results: ${writeResults('idle', result)}`);
  } finally {
    app.process.kill('SIGTERM');
    await app.exited;
    await db.stop();
  }
}
