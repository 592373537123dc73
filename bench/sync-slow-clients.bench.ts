import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnApp } from '../test/support/child-app.js';
import { openSse } from '../test/sync/sse-client.js';
import { liveHeapMiB, promMetrics } from './heap-support.js';
import { benchDatabase, table, writeResults } from './support.js';
import { call, JWT_SECRET, ok, rssKiB, sleep, steadyRss, token } from './sync-support.js';

/**
 * Slow stream clients: N SSE clients that connect and then never read while M changes are
 * pushed, each of which every client may see. The app's RSS and V8 heap before, at the peak,
 * once settled with the clients still connected, and after they hang up; per slow client.
 * Loopback only; about a minute and a half.
 */
const SLOW_CLIENTS = Number(process.env.BENCH_SLOW_CLIENTS ?? 20);
const SLOW_CHANGES = Number(process.env.BENCH_SLOW_CHANGES ?? 30000);
const BATCH = 1000;
const USER = 'slow-user';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** Longer than SYNC_STREAM_DROP_GRACE_MS (5 s): a dropped client's socket is gone by then. */
const SETTLE_MS = 7000;

const MiB = (kib: number) => (kib / 1024).toFixed(1);

/** A client that sends the request and reads nothing more (its socket stays paused). */
function slowClient(base: string, bearer: string, appId: string): net.Socket {
  const url = new URL(base);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => undefined); // the server may cut it: that is the point
  socket.write(
    `GET /sync/${appId}/stream?collections=notes HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Authorization: Bearer ${bearer}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  socket.pause();
  return socket;
}

async function pushAll(
  agent: Agent,
  base: string,
  bearer: string,
  appId: string,
  each?: () => void,
) {
  for (let sent = 0; sent < SLOW_CHANGES; sent += BATCH) {
    const changes = Array.from({ length: Math.min(BATCH, SLOW_CHANGES - sent) }, (_, i) => ({
      eventId: randomUUID(),
      table: 'notes',
      id: `n-${sent + i}`,
      op: 'insert',
      data: { title: 'x'.repeat(200), n: sent + i },
    }));
    await ok(
      call(agent, base, 'POST', `/sync/${appId}`, bearer, { clientId: 'pusher', changes }),
      'push',
    );
    each?.();
  }
}

async function stop(app: { process: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  app.process.kill('SIGTERM');
  await app.exited;
}

export interface SlowClientsResult {
  clients: number;
  changes: number;
  rssKiB: { before: number; peak: number; connected: number };
  /** V8 heap in use after a full GC; what the clients held is the difference. */
  liveHeapMiB: { connected: number; afterHangUp: number };
  perClientKiB: { peak: number; connected: number };
  perClientHeapKiB: number;
  /** sync_stream_buffered_bytes / clients, settled while connected (absent before the fix). */
  perClientBufferedKiB?: number;
  dropped: number;
  openStreamsWhileConnected: number;
  pushSeconds: number;
}

/** Runs the scenario on an app instance of its own (fresh heap) against `env`'s database. */
export async function slowClientsPhase(env: Record<string, string>): Promise<SlowClientsResult> {
  // Heap snapshots (for liveHeapMiB) land in the app's working directory.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-bench-slow-'));
  // The cap is not under test here: one user holds all the slow streams.
  const child = spawnApp(
    { ...env, ADMIN_TOKEN, SYNC_STREAMS_PER_USER: String(SLOW_CLIENTS + 10) },
    dir,
    ['--heapsnapshot-signal=SIGUSR2'],
  );
  const app = { ...child, url: await child.ready };
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const sockets: net.Socket[] = [];
  const appId = `slow-${randomUUID().slice(0, 8)}`;
  try {
    const pid = app.process.pid!;
    const bearer = await token(USER);
    // Warm-up in another app: the same pushes, fanned out to two reading streams.
    const warm = await Promise.all(
      [0, 1].map(() =>
        openSse(`${app.url}/sync/${appId}-warm/stream?collections=notes`, {
          token: bearer,
          collect: false,
        }),
      ),
    );
    await pushAll(agent, app.url, bearer, `${appId}-warm`);
    await sleep(1000);
    for (const s of warm) s.close();
    await sleep(SETTLE_MS);
    // No heap snapshot before the clients: its native memory would stay in the later RSS.
    const rssBefore = await steadyRss(pid);

    for (let i = 0; i < SLOW_CLIENTS; i++) sockets.push(slowClient(app.url, bearer, appId));
    for (let tries = 0; ; tries++) {
      const open = (await promMetrics(agent, app.url, ADMIN_TOKEN)).get('sync_open_streams') ?? 0;
      if (open >= SLOW_CLIENTS) break;
      if (tries > 100) throw new Error(`only ${open} of ${SLOW_CLIENTS} slow streams opened`);
      await sleep(100);
    }

    let peak = rssKiB(pid);
    const started = performance.now();
    await pushAll(agent, app.url, bearer, appId, () => (peak = Math.max(peak, rssKiB(pid))));
    const pushSeconds = (performance.now() - started) / 1000;
    for (let t = 0; t < SETTLE_MS; t += 250) {
      peak = Math.max(peak, rssKiB(pid));
      await sleep(250);
    }
    // RSS first: a heap snapshot grows the RSS for a while.
    const rssConnected = await steadyRss(pid);
    const connected = await promMetrics(agent, app.url, ADMIN_TOKEN);
    const heapConnected = await liveHeapMiB(app, dir, agent, ADMIN_TOKEN);

    for (const s of sockets) s.destroy();
    await sleep(2000);
    const heapAfter = await liveHeapMiB(app, dir, agent, ADMIN_TOKEN);
    return {
      clients: SLOW_CLIENTS,
      changes: SLOW_CHANGES,
      rssKiB: { before: rssBefore, peak, connected: rssConnected },
      liveHeapMiB: { connected: heapConnected, afterHangUp: heapAfter },
      perClientKiB: {
        peak: (peak - rssBefore) / SLOW_CLIENTS,
        connected: (rssConnected - rssBefore) / SLOW_CLIENTS,
      },
      perClientHeapKiB: ((heapConnected - heapAfter) * 1024) / SLOW_CLIENTS,
      perClientBufferedKiB: connected.has('sync_stream_buffered_bytes')
        ? connected.get('sync_stream_buffered_bytes')! / 1024 / SLOW_CLIENTS
        : undefined,
      dropped: connected.get('sync_streams_dropped_total{reason="slow-client"}') ?? 0,
      openStreamsWhileConnected: connected.get('sync_open_streams') ?? 0,
      pushSeconds,
    };
  } finally {
    for (const s of sockets) s.destroy();
    agent.destroy();
    await stop(app);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function slowClientsTable(r: SlowClientsResult): string {
  const h = r.liveHeapMiB;
  return table([
    {
      metric: `slow clients: app RSS MiB before / peak / settled, still connected (${r.clients} clients, ${r.changes} changes)`,
      measured: `${MiB(r.rssKiB.before)} / ${MiB(r.rssKiB.peak)} / ${MiB(r.rssKiB.connected)}`,
    },
    {
      metric: 'slow clients: RSS per slow client, peak / settled while connected',
      measured: `${MiB(r.perClientKiB.peak)} / ${MiB(r.perClientKiB.connected)} MiB`,
    },
    {
      metric: 'slow clients: live V8 heap MiB (after full GC) connected / after they hang up',
      measured: `${h.connected.toFixed(1)} / ${h.afterHangUp.toFixed(1)}`,
    },
    {
      metric: 'slow clients: live V8 heap held per slow client (freed when it hangs up)',
      measured: `${MiB(r.perClientHeapKiB)} MiB`,
    },
    {
      metric: 'slow clients: unsent bytes held per slow client (sync_stream_buffered_bytes)',
      measured:
        r.perClientBufferedKiB === undefined ? 'n/a' : `${r.perClientBufferedKiB.toFixed(1)} KiB`,
    },
    {
      metric: 'slow clients: dropped (slow-client) / streams still open while connected',
      measured: `${r.dropped} / ${r.openStreamsWhileConnected}`,
    },
  ]);
}

/** `npm run bench -- sync-slow-clients`: this scenario alone. */
export async function runSyncSlowClientsBench(): Promise<void> {
  const db = await benchDatabase();
  try {
    const result = await slowClientsPhase({
      DATABASE_URL: db.url,
      JWT_SECRET,
      SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    });
    console.log(slowClientsTable(result));
    console.log(
      `pushes took ${result.pushSeconds.toFixed(1)} s; ${os.cpus().length} CPUs shared by PostgreSQL, the app and this process`,
    );
    console.log(`results: ${writeResults('sync-slow-clients', result)}`);
  } finally {
    await db.stop();
  }
}
