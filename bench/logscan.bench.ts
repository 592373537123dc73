import * as fs from 'node:fs';
import pg from 'pg';
import type { LogStream } from '../src/log-scan/rules/log-rule.entity.js';
import { RuleSet } from '../src/log-scan/scan/rule-catalog.js';
import { LogLine, scanLines } from '../src/log-scan/scan/scanner.js';
import {
  BENCH_ADMIN_TOKEN,
  benchAppEnv,
  benchDatabase,
  startApp,
  table,
  writeResults,
} from './support.js';

/**
 * Log-scan throughput: batches of 5,000 lines (~120 characters each, about 1% matching) sent
 * to POST /logs and scanned against 50 rules; each 202 means the batch's events are
 * committed. Reports lines/s end to end (client, app and PostgreSQL share this machine's
 * cores), the app process's own CPU seconds per million lines (the app is one Node thread:
 * lines per app-CPU-second is the one-core ceiling), and the scan cost per line in process,
 * with and without the literal prefilter.
 */
const BATCHES = Number(process.env.BENCH_BATCHES ?? 40);
const LINES_PER_BATCH = 5000;
const RULES = 50;
const SOURCES = 8;
const ADMIN = BENCH_ADMIN_TOKEN;

/** 50 rules an operator might write: mostly literal-led, some captures, some stream filters. */
function rules(): Record<string, unknown>[] {
  const words = [
    'OOMKilled',
    'segfault',
    'disk full',
    'panic:',
    'connection refused',
    'timeout after',
    'certificate expired',
    'permission denied',
    'no space left',
    'out of memory',
  ];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < RULES; i++) {
    const word = words[i % words.length];
    const variant = Math.floor(i / words.length);
    const pattern = [
      `${word} \\(code (?P<code>\\d+)\\) r${i}`,
      `${word}.*host=(?P<host>[a-z0-9-]+) r${i}`,
      `^\\S+ ERROR \\[(?P<module>\\w+)\\] ${word} r${i}`,
      `(?:fatal|critical): ${word} r${i}`, // alternation inside a group: the literal after it counts
      `(?i)${word} r${i}$`, // case-insensitive: no prefilter, the regex runs on every line
    ][variant];
    out.push({
      name: `bench-${i}`,
      pattern,
      severity: 'error',
      ...(i % 7 === 3 ? { stream: 'stderr' } : {}),
    });
  }
  return out;
}

/** A batch: ordinary lines, and ~1% written to match one of the rules. */
function batch(seed: number): { text: string; stream: string }[] {
  const lines = [];
  for (let i = 0; i < LINES_PER_BATCH; i++) {
    const n = seed * LINES_PER_BATCH + i;
    const ts = new Date(1764600000000 + n).toISOString();
    let text = `${ts} INFO [worker] request id=${n.toString(16)} path=/api/v1/items/${n % 977} status=200 took=${n % 300}ms user=u${n % 53}`;
    if (n % 100 === 0) text = `${ts} ERROR [kernel] OOMKilled (code ${n % 9}) r0 pod=api-${n % 31}`;
    lines.push({ text, stream: n % 3 === 0 ? 'stderr' : 'stdout' });
  }
  return lines;
}

async function api(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Fields of /proc/<pid>/stat after the command name (state is [0], ppid [1]). */
function stat(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
}

/** utime + stime of a process, in seconds (Linux /proc; 100 ticks per second). */
function cpuSeconds(pid: number): number {
  const fields = stat(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The postmaster's pid: the parent of a backend this bench connects to. */
async function postmasterPid(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return Number(stat(rows[0].pid)[1]);
  } finally {
    await client.end();
  }
}

/**
 * CPU seconds of the bench's PostgreSQL: the postmaster, every live process it forked, and
 * (through the postmaster's cutime/cstime) the ones that exited.
 */
function postgresCpuSeconds(master: number): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fields: string[];
    try {
      fields = stat(Number(entry));
    } catch {
      continue; // exited while we looked
    }
    const pid = Number(entry);
    if (pid === master) total += (Number(fields[13]) + Number(fields[14])) / 100;
    if (pid === master || Number(fields[1]) === master)
      total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

async function run(
  base: string,
  pid: number,
  master: number,
  bodies: string[],
  concurrency: number,
) {
  const cpuBefore = cpuSeconds(pid);
  const pgBefore = postgresCpuSeconds(master);
  const started = performance.now();
  let next = 0;
  let published = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${base}/logs`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 202) throw new Error(`POST /logs: ${res.status} ${await res.text()}`);
      published += ((await res.json()) as { published: number }).published;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const lines = bodies.length * LINES_PER_BATCH;
  const appCpu = cpuSeconds(pid) - cpuBefore;
  const postgresCpu = postgresCpuSeconds(master) - pgBefore;
  return { lines, seconds, linesPerSecond: lines / seconds, appCpu, postgresCpu, published };
}

/** The scan alone, in this process: CPU ns per line against all 50 rules (the app's scanner). */
/** No yielding and no cut-off: the bench measures the scan itself. */
const BENCH_BUDGET = { sliceMs: Infinity, batchMs: Infinity };

async function scanCost(withPrefilter: boolean): Promise<{ nsPerLine: number; hits: number }> {
  const now = new Date();
  const stored = rules().map((r, i) => ({
    id: `rule-${i}`,
    name: r.name as string,
    description: '',
    pattern: r.pattern as string,
    stream: (r.stream as LogStream | undefined) ?? null,
    severity: 'error' as const,
    eventType: 'log.match',
    cooldownMs: 0,
    source: null,
    overrides: null,
    enabled: true,
    createdAt: now,
    updatedAt: now,
  }));
  const compiled = new RuleSet('1', stored).forSource('bench');
  const used = withPrefilter ? compiled : compiled.map((r) => ({ ...r, prefilter: null }));
  const lines: LogLine[] = batch(999).map((l) => ({
    text: l.text,
    stream: l.stream as LogStream,
    time: null,
    truncated: false,
  }));
  await scanLines(lines, used, BENCH_BUDGET); // warm-up: JIT and re2js's lazily built matchers
  const rounds = 5;
  let hits = 0;
  // CPU time, not wall time: this machine is shared, and waiting for a core is not scanning.
  const started = process.cpuUsage();
  for (let r = 0; r < rounds; r++) hits = (await scanLines(lines, used, BENCH_BUDGET)).hits.length;
  const used2 = process.cpuUsage(started);
  const cpuNs = (used2.user + used2.system) * 1000;
  return { nsPerLine: cpuNs / (lines.length * rounds), hits };
}

export async function runLogScanBench(): Promise<void> {
  // The scan alone first, while nothing else of the bench runs.
  const withPrefilter = await scanCost(true);
  const without = await scanCost(false);
  if (process.env.BENCH_SCAN_ONLY) return console.log({ withPrefilter, without });
  const db = await benchDatabase();
  const app = await startApp({
    ...benchAppEnv(db.url),
    LOGSCAN_SOURCE_RATE: '1000000',
    LOGSCAN_SOURCE_BURST: '1000000',
    LOG_LEVEL: 'warn',
  });
  try {
    for (const rule of rules()) await api(app.url, '/logs/rules', rule);
    const bodies = Array.from({ length: BATCHES }, (_, i) =>
      JSON.stringify({ source: `host-${i % SOURCES}`, lines: batch(i) }),
    );
    const pid = app.process.pid!;
    const master = await postmasterPid(db.url);
    await run(app.url, pid, master, bodies.slice(0, 5), 1); // warm-up: JIT, plan caches, pool
    const sequential = await run(app.url, pid, master, bodies, 1);
    const parallel = await run(app.url, pid, master, bodies, 2);

    const rows = [sequential, parallel].map((r, i) => ({
      scenario: `${BATCHES} x ${LINES_PER_BATCH} lines, ${RULES} rules, ${i ? 2 : 1} in flight`,
      'lines/s': r.linesPerSecond.toFixed(0),
      'events committed': r.published,
      'app CPU s per 1M lines': ((r.appCpu / r.lines) * 1e6).toFixed(2),
      'lines per app-CPU-s': (r.lines / r.appCpu).toFixed(0),
      'PostgreSQL CPU s per 1M lines': ((r.postgresCpu / r.lines) * 1e6).toFixed(2),
    }));
    console.log(table(rows));
    console.log(
      table([
        {
          'in-process scan (50 rules, 5,000 lines)': 'with literal prefilter',
          'CPU ns per line': withPrefilter.nsPerLine.toFixed(0),
          hits: withPrefilter.hits,
        },
        {
          'in-process scan (50 rules, 5,000 lines)': 'regex on every line',
          'CPU ns per line': without.nsPerLine.toFixed(0),
          hits: without.hits,
        },
      ]),
    );
    const file = writeResults('logscan', {
      batches: BATCHES,
      linesPerBatch: LINES_PER_BATCH,
      rules: RULES,
      sequential,
      parallel,
      scanNsPerLine: { withPrefilter, without },
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
    });
    console.log(`results: ${file}`);
  } finally {
    app.process.kill('SIGTERM');
    await app.exited;
    await db.stop();
  }
}
