import { randomUUID } from 'node:crypto';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import pg from 'pg';
import request from 'supertest';
import { startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { push, SYNC_TEST_ENV, userToken } from './helpers.js';
import { openSse, receivedEventIds, SseStream } from './sse-client.js';

/**
 * Streams to clients that stop reading: a small buffer bound so a few pushes overflow it, a
 * short grace so the socket goes fast, and a cap of 3 streams per user.
 */
const MAX_BUFFER = 256 * 1024;
const GRACE_MS = 1000;
const PER_USER = 3;
const ENV = {
  ...SYNC_TEST_ENV,
  SYNC_STREAM_MAX_BUFFER_BYTES: String(MAX_BUFFER),
  SYNC_STREAM_DROP_GRACE_MS: String(GRACE_MS),
  SYNC_STREAMS_PER_USER: String(PER_USER),
};

const newAppId = (label: string) => `slow-${label}-${randomUUID().slice(0, 8)}`;

/**
 * 100 inserts of about 2 KiB each: one event is smaller than the buffer bound, so the bound is
 * crossed only once the kernel's socket buffers are full too (the client really stopped).
 */
function batch(n: number) {
  return Array.from({ length: 100 }, (_, i) => ({
    eventId: randomUUID(),
    table: 'cards',
    id: `c-${n}-${i}`,
    op: 'insert',
    data: { title: 'x'.repeat(2000) },
  }));
}

describe('Sync stream: slow clients and the per-user cap', () => {
  let t: TestApp;
  let alice: string;
  const open: SseStream[] = [];
  /** The server's socket of each stream, by appId, and when it closed. */
  const ends = new Map<string, { socket: Socket; closedAt?: number }>();

  /** The value of one sample line of the Prometheus text format, or 0 when absent. */
  async function metric(sample: string): Promise<number> {
    const text = (
      await request(t.url).get('/metrics').set('Authorization', `Bearer ${t.adminToken}`)
    ).text;
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined ? 0 : Number(line.slice(sample.length + 1));
  }

  async function stream(appId: string, options: { lastEventId?: string; token?: string } = {}) {
    const s = await openSse(`${t.url}/sync/${appId}/stream?collections=cards`, {
      token: alice,
      ...options,
    });
    open.push(s);
    return s;
  }

  /** Live once a heartbeat came through (300 ms apart in the test env). */
  const live = (s: SseStream) =>
    waitFor(() => s.events.some((e) => e.event === 'heartbeat'), 5000, 'a heartbeat');

  /** The most unsent output seen on open streams while pushing (sync_stream_buffered_bytes). */
  let maxBuffered = 0;

  /** Pushes batches until the paused stream is dropped; returns every eventId pushed. */
  async function pushUntilDropped(appId: string, dropsBefore: number): Promise<string[]> {
    const pushed: string[] = [];
    maxBuffered = 0;
    for (let n = 0; n < 100; n++) {
      const changes = batch(n);
      await push(t, alice, appId, { clientId: 'writer', changes });
      pushed.push(...changes.map((c) => c.eventId));
      maxBuffered = Math.max(maxBuffered, await metric('sync_stream_buffered_bytes'));
      // The live event follows the push's commit within a tail read (NOTIFY or 200 ms poll).
      const dropped = await waitFor(
        async () =>
          (await metric('sync_streams_dropped_total{reason="slow-client"}')) > dropsBefore,
        n % 10 === 9 ? 300 : 0,
        'the drop',
      ).catch(() => false);
      if (dropped) return pushed;
    }
    throw new Error(`a paused stream was not dropped after ${pushed.length} changes`);
  }

  beforeAll(async () => {
    t = await startTestApp({ env: ENV });
    alice = await userToken(t, 'alice');
    (t.app.getHttpServer() as Server).on('request', (req, res: ServerResponse) => {
      const match = /^\/sync\/([^/]+)\/stream/.exec(req.url ?? '');
      if (!match) return;
      const end: { socket: Socket; closedAt?: number } = { socket: res.socket! };
      ends.set(match[1], end);
      res.on('close', () => (end.closedAt = Date.now()));
    });
  });

  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('drops a client that stops reading, frees its socket within the grace period, and a reconnect with Last-Event-ID gets every change exactly once', async () => {
    const appId = newAppId('drop');
    const one = await stream(appId);
    await live(one);
    expect(await metric('sync_open_streams')).toBe(1);
    one.pause();

    const dropsBefore = await metric('sync_streams_dropped_total{reason="slow-client"}');
    const firstPart = await pushUntilDropped(appId, dropsBefore);
    const droppedAt = Date.now();
    // Detached from the hub at once: no more events are queued for it.
    expect(await metric('sync_open_streams')).toBe(0);
    expect(await metric('sync_stream_buffered_bytes')).toBe(0);
    // Never more than the bound plus the one event that crossed it (100 changes of ~2 KiB).
    expect(maxBuffered).toBeLessThan(MAX_BUFFER + 300 * 1024);
    // The server destroys the socket (freeing what was buffered) once the grace is over.
    const end = ends.get(appId)!;
    await waitFor(() => end.closedAt, GRACE_MS + 2000, 'the socket closed by the server');
    // Nothing drained it (the client reads nothing): the grace timer destroyed it.
    expect(end.closedAt! - droppedAt).toBeGreaterThan(GRACE_MS - 400);
    expect(end.closedAt! - droppedAt).toBeLessThan(GRACE_MS + 1000);
    expect(end.socket.destroyed).toBe(true);
    expect(end.socket.writableLength).toBe(0);

    // The client reads what reached it before the socket went; the cut is not a clean end.
    one.resume();
    expect((await one.ended).complete).toBe(false);
    const got = receivedEventIds(one);
    expect(got.length).toBeLessThan(firstPart.length);
    expect(got).toEqual(firstPart.slice(0, got.length));

    // More while it was away; the reconnect from its last id gets exactly the rest.
    const later = batch(99);
    await push(t, alice, appId, { clientId: 'writer', changes: later });
    const two = await stream(appId, { lastEventId: one.lastEventId });
    const all = [...firstPart, ...later.map((c) => c.eventId)];
    await waitFor(
      () => got.length + receivedEventIds(two).length >= all.length,
      15000,
      'the rest after the reconnect',
    );
    expect([...got, ...receivedEventIds(two)]).toEqual(all);
  });

  it('sends a client that catches up within the grace period a final dropped event naming the reason and its resume point', async () => {
    const appId = newAppId('final');
    const one = await stream(appId);
    await live(one);
    one.pause();
    const dropsBefore = await metric('sync_streams_dropped_total{reason="slow-client"}');
    const pushed = await pushUntilDropped(appId, dropsBefore);
    one.resume();

    const end = await one.ended;
    expect(end.complete).toBe(true);
    const last = one.events.at(-1)!;
    expect(last.event).toBe('dropped');
    const body = JSON.parse(last.data) as { reason: string; lastEventId: string; detail: string };
    expect(body.reason).toBe('slow-client');
    expect(body.detail).toMatch(/Last-Event-ID/);
    expect(body.lastEventId).toBe(one.lastEventId);
    const got = receivedEventIds(one);
    expect(got).toEqual(pushed.slice(0, got.length));

    const two = await stream(appId, { lastEventId: body.lastEventId });
    await waitFor(
      () => got.length + receivedEventIds(two).length >= pushed.length,
      15000,
      'the rest after the reconnect',
    );
    expect([...got, ...receivedEventIds(two)]).toEqual(pushed);
  });

  it('paces a backlog ten times the buffer bound to a client that reads, without dropping it', async () => {
    const appId = newAppId('backlog');
    const pushed: string[] = [];
    for (let n = 0; pushed.length * 2000 < 10 * MAX_BUFFER; n++) {
      const changes = batch(n);
      await push(t, alice, appId, { clientId: 'writer', changes });
      pushed.push(...changes.map((c) => c.eventId));
    }
    const dropsBefore = await metric('sync_streams_dropped_total{reason="slow-client"}');
    const s = await stream(appId);
    await waitFor(() => receivedEventIds(s).length >= pushed.length, 15000, 'the whole backlog');
    await live(s);
    expect(receivedEventIds(s)).toEqual(pushed);
    expect(s.isEnded()).toBe(false);
    expect(await metric('sync_streams_dropped_total{reason="slow-client"}')).toBe(dropsBefore);
  });

  it('answers a stream over SYNC_STREAMS_PER_USER with 429 problem+json and Retry-After, per app and user', async () => {
    const appId = newAppId('cap');
    const streams = [];
    for (let i = 0; i < PER_USER; i++) streams.push(await stream(appId));
    for (const s of streams) expect(s.status).toBe(200);

    const refused = await stream(appId);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    const problem = JSON.parse(refused.body) as { status: number; type: string; detail: string };
    expect(problem.status).toBe(429);
    expect(problem.type).toMatch(/sync-too-many-streams$/);
    expect(problem.detail).toMatch(/3 open streams/);
    expect(await metric('sync_streams_refused_total{reason="too-many-streams"}')).toBe(1);

    // The cap is per user and per app.
    const bob = await stream(appId, { token: await userToken(t, 'bob') });
    expect(bob.status).toBe(200);
    const otherApp = await stream(newAppId('cap-other'));
    expect(otherApp.status).toBe(200);

    // Closing one frees its slot at once.
    streams[0].close();
    await waitFor(async () => (await stream(appId)).status === 200, 5000, 'a freed slot');
  });

  it('forgets a stream whose client left while the server was still checking its cursor', async () => {
    const appId = newAppId('gone');
    const before = await metric('sync_open_streams');
    // Hold the horizon check (the stream's last await before it answers) on a lock.
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query('LOCK TABLE sync_horizons IN ACCESS EXCLUSIVE MODE');
      // The client leaves only once the server is known to be waiting on the lock: a timer
      // alone raced the cold first request of a fresh app (it could give up before the
      // server ever reached the check).
      const leave = new AbortController();
      const attempt = openSse(`${t.url}/sync/${appId}/stream?collections=cards`, {
        token: alice,
        timeoutMs: 30_000,
        signal: leave.signal,
      }).catch(() => undefined);
      // Watched in pg_locks, not pg_stat_activity: a wait during the statement's parse step
      // (its first run in a fresh process) still shows the session's previous query there.
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_locks WHERE relation = 'sync_horizons'::regclass AND NOT granted`,
            )
          ).rowCount,
        15000,
        'the stream waiting on the lock',
      );
      leave.abort();
      await attempt;
      await new Promise((r) => setTimeout(r, 100));
      await db.query('COMMIT');
    } finally {
      await db.end();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await metric('sync_open_streams')).toBe(before);
    // Nor does it hold one of the user's slots.
    for (let i = 0; i < PER_USER; i++) expect((await stream(appId)).status).toBe(200);
  });
});
