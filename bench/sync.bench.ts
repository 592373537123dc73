import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import * as os from 'node:os';
import { openSse, SseStream } from '../test/sync/sse-client.js';
import { benchDatabase, percentile, startApp, table, writeResults } from './support.js';
import { slowClientsPhase, slowClientsTable } from './sync-slow-clients.bench.js';
import { call, JWT_SECRET, ok, sleep, steadyRss, token, waitUntil } from './sync-support.js';

/**
 * Sync throughput and fan-out, against the built app in a child process:
 * 1. push: C clients (one user each) push batches of 100 inserts concurrently;
 * 2. pull: every change paged back with limit 1000, per user, from the start of the log;
 * 3. stream: S open SSE streams (U users, members of one space) receive pushed changes; the
 *    push-to-arrival latency is measured in this process from `sentAt` in the change's data,
 *    and the app's RSS before/after opening the streams gives the memory per stream;
 * 4. slow clients: see sync-slow-clients.bench.ts (also `npm run bench -- sync-slow-clients`).
 */
const APP_ID = 'bench';
const PUSH_CHANGES = Number(process.env.BENCH_SYNC_CHANGES ?? 20000);
const PUSH_CLIENTS = Number(process.env.BENCH_SYNC_CLIENTS ?? 4);
const BATCH = Number(process.env.BENCH_SYNC_BATCH ?? 100);
const PULL_LIMIT = 1000;
const PULL_PASSES = Number(process.env.BENCH_SYNC_PULL_PASSES ?? 3);
const STREAMS = Number(process.env.BENCH_SYNC_STREAMS ?? 1000);
const STREAM_USERS = Number(process.env.BENCH_SYNC_STREAM_USERS ?? 10);
const LATENCY_PUSHES = Number(process.env.BENCH_SYNC_LATENCY_PUSHES ?? 100);
const LATENCY_RATE = Number(process.env.BENCH_SYNC_LATENCY_RATE ?? 10); // pushes per second
/** BENCH_SYNC_PUSH_ONLY=1: run the push phase and stop (to profile it alone). */
const PUSH_ONLY = process.env.BENCH_SYNC_PUSH_ONLY === '1';

const TARGETS = { pushPerSecond: 10000, pullPerSecond: 50000, streamP50Ms: 20, streamP99Ms: 200 };

type SseHandler = (event: { event: string; data: string; receivedAt: number }) => void;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

function insert(table: string, id: string, data: Record<string, unknown>, spaceId?: string) {
  return {
    eventId: randomUUID(),
    table,
    id,
    op: 'insert',
    data,
    ...(spaceId ? { spaceId } : {}),
  };
}

/** Phase 1: C users push their share in batches of BATCH, each keeping its cursor. */
async function pushPhase(base: string, agent: Agent, tokens: string[]) {
  const perClient = Math.ceil(PUSH_CHANGES / PUSH_CLIENTS);
  const cursors: (string | undefined)[] = tokens.map(() => undefined);
  const pushOne = async (c: number, label: string, n: number) => {
    const changes = Array.from({ length: n }, (_, i) =>
      insert('cards', `${label}-${i}`, { title: `card ${label}-${i}`, done: false, rank: i }),
    );
    const body = await ok(
      call(agent, base, 'POST', `/sync/${APP_ID}`, tokens[c], {
        clientId: `device-${c}`,
        ...(cursors[c] ? { since: cursors[c] } : {}),
        changes,
      }),
      'push',
    );
    cursors[c] = (body as { syncedUntil: string }).syncedUntil;
  };

  // Warm-up: connections, JIT, plan caches (counted in the pull phase, not here).
  for (let round = 0; round < 3; round++)
    await Promise.all(tokens.map((_, c) => pushOne(c, `warm-${c}-${round}`, BATCH)));

  const requestMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    tokens.map(async (_, c) => {
      for (let sent = 0; sent < perClient; sent += BATCH) {
        const t0 = performance.now();
        await pushOne(c, `c${c}-${sent}`, Math.min(BATCH, perClient - sent));
        requestMs.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const changes = perClient * PUSH_CLIENTS;
  return {
    changes,
    clients: PUSH_CLIENTS,
    batch: BATCH,
    seconds,
    perSecond: changes / seconds,
    requestMs: stats(requestMs),
    warmupChanges: 3 * BATCH * PUSH_CLIENTS,
  };
}

/** Phase 2: every user pages through all of its `cards` from the start of the log. */
async function pullPhase(base: string, agent: Agent, tokens: string[], expectedPerUser: number) {
  const pageMs: number[] = [];
  const counts: number[] = [];
  const started = performance.now();
  for (const bearer of tokens) {
    let since: string | undefined;
    let count = 0;
    for (;;) {
      const t0 = performance.now();
      const query = `collection=cards&limit=${PULL_LIMIT}${since ? `&since=${encodeURIComponent(since)}` : ''}`;
      const page = (await ok(
        call(agent, base, 'GET', `/sync/${APP_ID}/pull?${query}`, bearer),
        'pull',
      )) as { changes: unknown[]; hasMore: boolean; syncedUntil: string };
      pageMs.push(performance.now() - t0);
      count += page.changes.length;
      since = page.syncedUntil;
      if (!page.hasMore) break;
    }
    counts.push(count);
  }
  const seconds = (performance.now() - started) / 1000;
  const changes = counts.reduce((a, b) => a + b, 0);
  return {
    changes,
    expected: expectedPerUser * tokens.length,
    perUser: counts,
    pages: pageMs.length,
    seconds,
    perSecond: changes / seconds,
    pageMs: stats(pageMs),
  };
}

/** Phase 3: S streams for U space members; push-to-arrival latency and memory per stream. */
async function streamPhase(base: string, pid: number) {
  const users = Array.from({ length: STREAM_USERS }, (_, u) => `member-${u}`);
  const tokens = await Promise.all(users.map(token));
  const control = new Agent({ keepAlive: true, maxSockets: 8 });
  const streamAgent = new Agent({ keepAlive: true, maxSockets: STREAMS + 16 });
  const streams: SseStream[] = [];
  try {
    const space = (await ok(
      call(control, base, 'POST', `/sync/${APP_ID}/spaces`, tokens[0], { name: 'bench space' }),
      'create space',
    )) as { id?: string; spaceId?: string };
    const spaceId = (space.id ?? space.spaceId)!;
    for (const userId of users.slice(1))
      await ok(
        call(control, base, 'POST', `/sync/${APP_ID}/spaces/${spaceId}/members`, tokens[0], {
          userId,
        }),
        'add member',
      );

    const latencies: number[] = [];
    // Per arrival: which push, and when; the push's answer time is known only afterwards.
    const arrivals: { n: number; at: number }[] = [];
    const answeredAt: number[] = [];
    const perStream = new Array<number>(STREAMS).fill(0);
    let warmups = 0;
    let otherEvents = 0;
    const onEvent = (i: number) => (event: Parameters<SseHandler>[0]) => {
      if (event.event !== 'changes') {
        otherEvents++;
        return;
      }
      const { changes } = JSON.parse(event.data) as {
        changes: { data?: { sentAt?: number; n?: number; warmup?: boolean } }[];
      };
      for (const change of changes) {
        if (change.data?.warmup) warmups++;
        else if (typeof change.data?.sentAt === 'number') {
          latencies.push(event.receivedAt - change.data.sentAt);
          arrivals.push({ n: change.data.n!, at: event.receivedAt });
          perStream[i]++;
        }
      }
    };

    /** Opens `count` streams, 50 at a time; throws when any is refused. */
    const openMany = async (count: number, label: string, handler: (i: number) => SseHandler) => {
      const opened: SseStream[] = [];
      for (let from = 0; from < count; from += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, count - from) }, (_, k) => {
            const i = from + k;
            return openSse(
              `${base}/sync/${APP_ID}/stream?collections=notes&clientId=${label}-${i}`,
              {
                token: tokens[i % STREAM_USERS],
                agent: streamAgent,
                collect: false,
                onEvent: handler(i),
                timeoutMs: 30000,
              },
            );
          }),
        );
        opened.push(...batch);
        streams.push(...batch);
      }
      const refused = opened.filter((s) => s.status !== 200);
      if (refused.length)
        throw new Error(
          `${refused.length} streams refused, e.g. ${refused[0].status} ${refused[0].body.slice(0, 200)}`,
        );
      return opened;
    };
    let warmNo = 0;
    /** One change that every stream must see: proves they are all live. */
    const warmUp = async (expected: () => boolean, what: string) => {
      await ok(
        call(control, base, 'POST', `/sync/${APP_ID}`, tokens[0], {
          clientId: 'bench-pusher',
          changes: [insert('notes', `warm-${warmNo++}`, { warmup: true }, spaceId)],
        }),
        'warm-up push',
      );
      if (!(await waitUntil(expected, 30000))) throw new Error(`${what}: warm-up change missing`);
    };

    // Warm the stream code paths with a few streams, closed again, so the baseline RSS
    // includes them and the difference is the streams themselves.
    let warmed = 0;
    const few = await openMany(20, 'warm', () => (e) => {
      if (e.event === 'changes') warmed++;
    });
    await warmUp(() => warmed >= few.length, 'warm-up streams');
    for (const s of few) s.close();
    await sleep(1500);
    const rssBefore = await steadyRss(pid);

    const openStarted = performance.now();
    const listeners = await openMany(STREAMS, 'listener', onEvent);
    const openSeconds = (performance.now() - openStarted) / 1000;
    await warmUp(() => warmups >= STREAMS, `${warmups} of ${STREAMS} streams`);
    await sleep(1500);
    const rssAfter = await steadyRss(pid);

    // Paced pushes of one change each; every change fans out to all streams.
    const pushMs: number[] = [];
    const started = Date.now();
    for (let n = 0; n < LATENCY_PUSHES; n++) {
      const due = started + ((n + 1) * 1000) / LATENCY_RATE;
      const t0 = performance.now();
      await ok(
        call(control, base, 'POST', `/sync/${APP_ID}`, tokens[n % STREAM_USERS], {
          clientId: 'bench-pusher',
          changes: [insert('notes', `note-${n}`, { sentAt: Date.now(), n }, spaceId)],
        }),
        'latency push',
      );
      pushMs.push(performance.now() - t0);
      answeredAt[n] = Date.now();
      await sleep(Math.max(0, due - Date.now()));
    }
    const expected = LATENCY_PUSHES * STREAMS;
    await waitUntil(() => latencies.length >= expected, 30000);
    const ended = listeners.filter((s) => s.isEnded()).length;
    return {
      streams: STREAMS,
      users: STREAM_USERS,
      openSeconds,
      pushes: LATENCY_PUSHES,
      ratePerSecond: LATENCY_RATE,
      expectedArrivals: expected,
      arrivals: latencies.length,
      streamsMissingChanges: perStream.filter((n) => n < LATENCY_PUSHES).length,
      streamsEndedEarly: ended,
      otherEvents,
      latencyMs: stats(latencies),
      // From the push's 200 (committed) to the arrival; negative when the event beat the answer.
      afterAnswerMs: stats(arrivals.map((a) => a.at - answeredAt[a.n])),
      pushRequestMs: stats(pushMs),
      rssBeforeKiB: rssBefore,
      rssAfterKiB: rssAfter,
      perStreamKiB: (rssAfter - rssBefore) / STREAMS,
    };
  } finally {
    for (const s of streams) s.close();
    streamAgent.destroy();
    control.destroy();
  }
}

const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO');

async function stop(app: { process: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  app.process.kill('SIGTERM');
  await app.exited;
}

export async function runSyncBench(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const db = await benchDatabase();
  const env = {
    DATABASE_URL: db.url,
    ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
    JWT_SECRET,
    SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    // The stream phase opens STREAMS streams for STREAM_USERS users, above the default cap.
    SYNC_STREAMS_PER_USER: String(Math.ceil(STREAMS / STREAM_USERS) + 10),
  };
  const app = await startApp(env);
  let streamsApp: Awaited<ReturnType<typeof startApp>> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: PUSH_CLIENTS * 2 });
  try {
    const pushers = await Promise.all(
      Array.from({ length: PUSH_CLIENTS }, (_, c) => token(`pusher-${c}`)),
    );
    const pushed = await pushPhase(app.url, agent, pushers);
    if (PUSH_ONLY) {
      // For profiling the push alone (pg_stat_statements, --cpu-prof): no other phase's work.
      console.log(
        `push only: ${pushed.perSecond.toFixed(0)} changes/s, request p50 ${pushed.requestMs.p50.toFixed(1)} / p99 ${pushed.requestMs.p99.toFixed(1)} ms`,
      );
      return;
    }
    const perUser = pushed.changes / PUSH_CLIENTS + pushed.warmupChanges / PUSH_CLIENTS;
    // Three full passes (the first one cold); the median pass is reported.
    const pulls = [];
    for (let pass = 0; pass < PULL_PASSES; pass++)
      pulls.push(await pullPhase(app.url, agent, pushers, perUser));
    const pulled = [...pulls].sort((a, b) => a.perSecond - b.perSecond)[
      Math.floor(PULL_PASSES / 2)
    ];
    // The streams get an instance of their own (same database), so its RSS baseline is not
    // the garbage the push and pull phases left behind.
    await stop(app);
    streamsApp = await startApp(env);
    const streamed = await streamPhase(streamsApp.url, streamsApp.process.pid!);
    await stop(streamsApp);
    // Clients that stop reading, on a fresh instance again (its own RSS baseline).
    const slow = await slowClientsPhase(env);

    const lat = streamed.latencyMs;
    const rows = [
      {
        metric: `push: changes/s accepted (${PUSH_CLIENTS} clients, batches of ${BATCH}, ${pushed.changes} changes)`,
        measured: pushed.perSecond.toFixed(0),
        target: `>= ${TARGETS.pushPerSecond}`,
        met: yesNo(pushed.perSecond >= TARGETS.pushPerSecond),
      },
      {
        metric: `push: request p50 / p99 ms (batch of ${BATCH})`,
        measured: `${pushed.requestMs.p50.toFixed(1)} / ${pushed.requestMs.p99.toFixed(1)}`,
        target: '-',
        met: '-',
      },
      {
        metric: `pull: changes/s served (limit ${PULL_LIMIT}, ${pulled.changes} of ${pulled.expected} changes, median of ${PULL_PASSES} passes)`,
        measured: pulled.perSecond.toFixed(0),
        target: `>= ${TARGETS.pullPerSecond}`,
        met: yesNo(pulled.perSecond >= TARGETS.pullPerSecond && pulled.changes === pulled.expected),
      },
      {
        metric: `stream: push-to-arrival p50 ms (${streamed.streams} streams, ${streamed.users} users)`,
        measured: lat.p50,
        target: `< ${TARGETS.streamP50Ms}`,
        met: yesNo(lat.p50 < TARGETS.streamP50Ms),
      },
      {
        metric: `stream: push-to-arrival p99 ms (${streamed.pushes} pushes at ${streamed.ratePerSecond}/s)`,
        measured: lat.p99,
        target: `< ${TARGETS.streamP99Ms}`,
        met: yesNo(lat.p99 < TARGETS.streamP99Ms),
      },
      {
        metric: 'stream: arrivals / expected',
        measured: `${streamed.arrivals} / ${streamed.expectedArrivals}`,
        target: 'all',
        met: yesNo(streamed.arrivals === streamed.expectedArrivals),
      },
      {
        metric: `stream: memory per open stream (app RSS ${(streamed.rssBeforeKiB / 1024).toFixed(0)} -> ${(streamed.rssAfterKiB / 1024).toFixed(0)} MiB)`,
        measured: `${streamed.perStreamKiB.toFixed(1)} KiB`,
        target: '-',
        met: '-',
      },
    ];
    console.log(table(rows));
    console.log(slowClientsTable(slow));
    console.log(
      [
        `pull passes: ${pulls.map((p) => p.perSecond.toFixed(0)).join(', ')} changes/s`,
        `stream latency p95 ${lat.p95} ms, max ${lat.max} ms; from the push's answer to arrival: ` +
          `p50 ${streamed.afterAnswerMs.p50} ms, p99 ${streamed.afterAnswerMs.p99} ms`,
        `push request with the streams open: p50 ${streamed.pushRequestMs.p50.toFixed(1)} ms, ` +
          `p99 ${streamed.pushRequestMs.p99.toFixed(1)} ms; opening ${streamed.streams} streams took ${streamed.openSeconds.toFixed(1)} s`,
        `one machine, ${os.cpus().length} CPUs shared by PostgreSQL, the app and this bench process; ` +
          `load average ${loadBefore.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end`,
      ].join('\n'),
    );
    const file = writeResults('sync', {
      targets: TARGETS,
      push: pushed,
      pull: pulled,
      pullPasses: pulls.map((p) => ({ seconds: p.seconds, perSecond: p.perSecond })),
      stream: streamed,
      slowClients: slow,
      node: process.version,
      loadAverage: { start: loadBefore, end: os.loadavg()[0] },
      cpus: os.cpus().length,
    });
    console.log(`results: ${file}`);
  } finally {
    agent.destroy();
    await stop(app);
    if (streamsApp) await stop(streamsApp);
    await db.stop();
  }
}
