import { Agent } from 'node:http';
import * as os from 'node:os';
import { Client } from 'pg';
import { signedReceiver, type SignedReceiver } from './signed-receiver.js';
import { takeSample, type Sample } from './soak-sampler.js';
import { newWindow, startTraffic, type Window } from './soak-traffic.js';
import {
  latencyHeld,
  plateau,
  thirdOf,
  VERDICT_RULE,
  type Check,
  type Third,
} from './soak-verdict.js';
import {
  api,
  benchAppEnv,
  benchDatabase,
  percentile,
  startApp,
  table,
  writeResults,
} from './support.js';
import { sleep, waitUntil } from './sync-support.js';

/**
 * Issue 22's soak: every retention in minutes and the schedules that enforce them running
 * often, steady webhook + trigger + sync traffic at a moderate fixed rate, and a sample every
 * SOAK_SAMPLE_SECONDS of table sizes, database size, app RSS and publish-to-receive latency.
 * The verdict (soak-verdict.ts) is computed from the samples: sizes and RSS plateau, and the
 * p99 at the end holds the p99 at the start.
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 15);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30);
const RETENTION = process.env.SOAK_RETENTION ?? '3m';
const MAINTENANCE_INTERVAL = process.env.SOAK_MAINTENANCE_INTERVAL ?? '1m';
const ENDPOINTS = Number(process.env.SOAK_ENDPOINTS ?? 3);
const TRAFFIC = {
  hookPerSecond: Number(process.env.SOAK_EVENTS_PER_SECOND ?? 100),
  triggerPerSecond: Number(process.env.SOAK_TRIGGER_EVENTS_PER_SECOND ?? 10),
  triggerSources: ['soak-a', 'soak-b'],
  syncUsers: Number(process.env.SOAK_SYNC_USERS ?? 2),
  syncChangesPerSecond: Number(process.env.SOAK_SYNC_CHANGES_PER_SECOND ?? 10),
  syncRecords: 100,
};
const TOP_TABLES = 3;
const DRAIN_MS = 60_000;

/**
 * The app's settings for the soak, in one object: every retention, the maintenance and
 * compaction periods, and SOAK_APP_ENV (a JSON object) on top, so a run can add settings
 * (partitioning, batch sizes) without a code change.
 */
export function soakSettings(): Record<string, string> {
  return {
    EVENTS_RETENTION: RETENTION,
    EVENT_CONSUMER_FAILURES_RETENTION: RETENTION,
    TRIGGER_FIRINGS_RETENTION: RETENTION,
    LOG_SCAN_STATS_RETENTION: RETENTION,
    INTEGRATION_LOGS_RETENTION: RETENTION,
    INTEGRATION_MESSAGES_RETENTION: RETENTION,
    CALENDAR_SYNC_LOG_RETENTION: RETENTION,
    WEBHOOK_RETENTION: RETENTION,
    JOBS_RETENTION: RETENTION,
    SYNC_LOG_RETENTION: RETENTION,
    STORAGE_MAINTENANCE_INTERVAL: MAINTENANCE_INTERVAL,
    SYNC_COMPACTION_INTERVAL: MAINTENANCE_INTERVAL,
    // One-minute ranges, so the partitioned logs drop whole partitions within the soak.
    STORAGE_PARTITION_INTERVAL: process.env.SOAK_PARTITION_INTERVAL ?? '1m',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    WEBHOOK_POLL_MS: '200',
    ...(JSON.parse(process.env.SOAK_APP_ENV ?? '{}') as Record<string, string>),
  };
}

const secretOf = (n: number) => `whsec_${Buffer.alloc(32, n).toString('base64')}`;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const clock = (t: number) =>
  `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(Math.round(t % 60)).padStart(2, '0')}`;
const p = (xs: number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );

export async function runSoakBench(): Promise<void> {
  const seconds = MINUTES * 60;
  const loadBefore = os.loadavg()[0];
  const db = await benchDatabase();
  const settings = soakSettings();
  let window = newWindow();
  const received = { hook: 0, trigger: 0 };
  const receivers: SignedReceiver[] = [];
  for (let e = 0; e < ENDPOINTS; e++)
    receivers.push(
      await signedReceiver(secretOf(e + 1), (payload, at) => {
        received.hook++;
        window.hook.push(at - (payload as { data: { sentAt: number } }).data.sentAt);
      }),
    );
  const triggerReceiver = await signedReceiver(secretOf(100), (payload, at) => {
    received.trigger++;
    window.trigger.push(
      at - (payload as { event: { data: { sentAt: number } } }).event.data.sentAt,
    );
  });
  const app = await startApp({ ...benchAppEnv(db.url), ...settings });
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    for (const [e, r] of receivers.entries())
      await api(app.url, 'POST', '/webhooks/endpoints', {
        url: `${r.url}/hook`,
        eventTypes: ['soak.hook'],
        secret: secretOf(e + 1),
      });
    const action = {
      type: 'webhook',
      url: `${triggerReceiver.url}/trigger`,
      secret: secretOf(100),
    };
    await api(app.url, 'POST', '/triggers', {
      name: 'soak: every match',
      filter: { source: 'soak-a' },
      action,
    });
    // Every event has its own subject, so this one fires every time and keeps a group row each.
    await api(app.url, 'POST', '/triggers', {
      name: 'soak: grouped by subject',
      filter: { source: 'soak-b' },
      repeatInterval: '30s',
      groupBy: ['subject'],
      action,
    });

    // Warm-up: connections, JIT, plan caches; its latencies are dropped.
    await api(app.url, 'POST', '/events', [
      ...Array.from({ length: 20 }, () => ({
        type: 'soak.hook',
        source: 'soak',
        data: { sentAt: Date.now() },
      })),
      ...TRAFFIC.triggerSources.map((source, i) => ({
        type: 'soak.trigger',
        source,
        subject: `warm-${i}`,
        data: { sentAt: Date.now() },
      })),
    ]);
    const warm = { hook: 20 * ENDPOINTS, trigger: TRAFFIC.triggerSources.length };
    if (
      !(await waitUntil(
        () => received.hook >= warm.hook && received.trigger >= warm.trigger,
        60000,
      ))
    )
      throw new Error(`warm-up deliveries missing: ${JSON.stringify(received)}`);
    console.log(
      `soak: ${MINUTES} min, a sample every ${SAMPLE_SECONDS} s; retention ${RETENTION}, ` +
        `maintenance and compaction every ${MAINTENANCE_INTERVAL}; ${TRAFFIC.hookPerSecond} events/s ` +
        `to ${ENDPOINTS} endpoints, ${TRAFFIC.triggerPerSecond} trigger events/s, ` +
        `${TRAFFIC.syncUsers} sync users pushing ${TRAFFIC.syncChangesPerSecond} changes/s each`,
    );

    const started = Date.now();
    const endAt = started + seconds * 1000;
    const base = { hook: received.hook, trigger: received.trigger };
    window = newWindow();
    const traffic = startTraffic(
      app.url,
      TRAFFIC,
      () => window,
      () => Date.now() >= endAt,
    );
    const samples: (Sample & { window: Window })[] = [];
    for (let k = 0; ; k++) {
      const t = Math.min(k * SAMPLE_SECONDS, seconds);
      await sleep(Math.max(0, started + t * 1000 - Date.now()));
      const done = window;
      window = newWindow();
      const s = { ...(await takeSample(app.url, app.process.pid!, pg, agent, t)), window: done };
      samples.push(s);
      console.log(
        `${clock(t)}  db ${mb(s.dbBytes)} MB  RSS ${(s.rssKiB / 1024).toFixed(0)} MB  ` +
          `webhook p99 ${done.hook.length ? p(done.hook, 99) : '-'} ms (${done.hook.length})` +
          (done.errors ? `  errors ${done.errors}` : ''),
      );
      if (t >= seconds) break;
    }
    await traffic.stop();
    // What was published arrives; the late deliveries count in the last third's latency.
    const expected = {
      hook: base.hook + traffic.published.hook * ENDPOINTS,
      trigger: base.trigger + traffic.published.trigger,
    };
    await waitUntil(
      () => received.hook >= expected.hook && received.trigger >= expected.trigger,
      DRAIN_MS,
    );
    report(samples, window, seconds, {
      hook: { published: traffic.published.hook * ENDPOINTS, received: received.hook - base.hook },
      trigger: { published: traffic.published.trigger, received: received.trigger - base.trigger },
      signatureFailures: [...receivers, triggerReceiver].reduce((n, r) => n + r.failures, 0),
      errors: Object.fromEntries(traffic.errors),
      loadAverage: { start: loadBefore, end: os.loadavg()[0] },
      settings,
    });
  } finally {
    agent.destroy();
    await pg.end();
    app.process.kill('SIGTERM');
    await app.exited;
    for (const r of [...receivers, triggerReceiver]) await r.close();
    await db.stop();
  }
}

interface Totals {
  hook: { published: number; received: number };
  trigger: { published: number; received: number };
  signatureFailures: number;
  errors: Record<string, string>;
  loadAverage: { start: number; end: number };
  settings: Record<string, string>;
}

/** `drain`: what arrived after the traffic stopped (published in the last third). */
function report(
  samples: (Sample & { window: Window })[],
  drain: Window,
  seconds: number,
  totals: Totals,
): void {
  const maxBytes = new Map<string, number>();
  for (const s of samples)
    for (const [name, bytes] of Object.entries(s.tableBytes))
      maxBytes.set(name, Math.max(maxBytes.get(name) ?? 0, bytes));
  const top = [...maxBytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_TABLES)
    .map(([n]) => n);
  const windows = samples.map((s) => {
    const w = s.window;
    return {
      t: s.t,
      deliveries: w.hook.length,
      p50: w.hook.length ? p(w.hook, 50) : null,
      p99: w.hook.length ? p(w.hook, 99) : null,
      triggerP99: w.trigger.length ? p(w.trigger, 99) : null,
      syncPushP99: w.syncPush.length ? Math.round(p(w.syncPush, 99)) : null,
      syncPushes: w.syncPush.length,
      syncPulled: w.syncPulled,
      syncResets: w.syncResets,
      errors: w.errors,
    };
  });
  const dash = (v: number | null) => (v === null ? '-' : v);
  console.log(
    table(
      samples.map((s, i) => ({
        time: clock(s.t),
        'db MB': mb(s.dbBytes),
        ...Object.fromEntries(top.map((n) => [`${n} MB`, mb(s.tableBytes[n] ?? 0)])),
        'RSS MB': (s.rssKiB / 1024).toFixed(0),
        'webhooks/s': (windows[i].deliveries / SAMPLE_SECONDS).toFixed(0),
        'p50 ms': dash(windows[i].p50),
        'p99 ms': dash(windows[i].p99),
        'trigger p99 ms': dash(windows[i].triggerP99),
        'sync push p99 ms': dash(windows[i].syncPushP99),
      })),
    ),
  );

  // A window's deliveries belong to the third its middle falls in.
  const pooled = (third: Third) =>
    samples
      .filter((s) => s.t > 0 && thirdOf(s.t - SAMPLE_SECONDS / 2, seconds) === third)
      .flatMap((s) => s.window.hook);
  const checks: Check[] = [
    plateau(
      'database size',
      samples.map((s) => [s.t, s.dbBytes]),
      seconds,
      (v) => `${mb(v)} MB`,
    ),
    plateau(
      'app RSS',
      samples.map((s) => [s.t, s.rssKiB * 1024]),
      seconds,
      (v) => `${mb(v)} MB`,
    ),
    latencyHeld(pooled('first'), [...pooled('last'), ...drain.hook]),
    {
      what: 'deliveries',
      detail:
        `webhooks ${totals.hook.received}/${totals.hook.published}, triggers ` +
        `${totals.trigger.received}/${totals.trigger.published}, ${totals.signatureFailures} signature failures`,
      ok:
        totals.hook.received >= totals.hook.published &&
        totals.trigger.received >= totals.trigger.published &&
        totals.signatureFailures === 0,
    },
  ];
  const growing = [...maxBytes.keys()].filter((name) => {
    const c = plateau(
      name,
      samples.map((s) => [s.t, s.tableBytes[name] ?? 0]),
      seconds,
      mb,
    );
    return !c.ok && (maxBytes.get(name) ?? 0) > 2 ** 20;
  });
  const passed = checks.every((c) => c.ok);
  console.log(`\nverdict rule: ${VERDICT_RULE}`);
  for (const c of checks) console.log(`- ${c.what}: ${c.detail} -> ${c.ok ? 'ok' : 'FAILED'}`);
  if (growing.length)
    console.log(`tables over 1 MB still growing by that rule: ${growing.join(', ')}`);
  if (Object.keys(totals.errors).length)
    console.log(`errors (first of each kind): ${JSON.stringify(totals.errors)}`);
  console.log(
    `verdict: ${passed ? 'PASS' : 'FAIL'} (${os.cpus().length} CPUs, load average ` +
      `${totals.loadAverage.start.toFixed(2)} at the start, ${totals.loadAverage.end.toFixed(2)} at the end)`,
  );
  const file = writeResults('soak', {
    minutes: MINUTES,
    sampleSeconds: SAMPLE_SECONDS,
    traffic: { ...TRAFFIC, endpoints: ENDPOINTS },
    settings: totals.settings,
    rule: VERDICT_RULE,
    checks,
    passed,
    growingTables: growing,
    totals: { ...totals, settings: undefined, drainDeliveries: drain.hook.length },
    samples: samples.map(({ window: _w, ...s }, i) => ({ ...s, window: windows[i] })),
    node: process.version,
    cpus: os.cpus().length,
  });
  console.log(`results: ${file}`);
}
