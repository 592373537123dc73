import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { pull, push, SYNC_TEST_ENV, userToken, WireChange } from './helpers.js';
import {
  changesEvents,
  openSse,
  receivedChanges,
  receivedEventIds,
  SseOptions,
  SseStream,
} from './sse-client.js';

/** Every test works in its own app namespace, so backlogs never see another test's data. */
const newAppId = (label: string) => `stream-${label}-${randomUUID().slice(0, 8)}`;

function insert(table: string, id: string, data: Record<string, unknown> = {}, extra = {}) {
  return { eventId: randomUUID(), table, id, op: 'insert', data: { title: id, ...data }, ...extra };
}

function inserts(table: string, prefix: string, count: number, extra = {}) {
  return Array.from({ length: count }, (_, i) => insert(table, `${prefix}-${i}`, {}, extra));
}

/** The promise's value, or 'timeout' after ms (the timer does not outlive the race). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const ids = (changes: { eventId: string }[]) => changes.map((c) => c.eventId);

describe('Sync stream (SSE)', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  const open: SseStream[] = [];

  async function stream(
    app: TestApp,
    appId: string,
    query: Record<string, string>,
    options: SseOptions = {},
  ): Promise<SseStream> {
    const qs = new URLSearchParams(query).toString();
    const s = await openSse(`${app.url}/sync/${appId}/stream${qs ? `?${qs}` : ''}`, {
      token: alice,
      ...options,
    });
    open.push(s);
    return s;
  }

  const heartbeats = (s: SseStream) => s.events.filter((e) => e.event === 'heartbeat').length;

  /** The stream is past its backlog and idle once a heartbeat has come through. */
  async function live(s: SseStream, what = 'a heartbeat (stream live)'): Promise<void> {
    const seen = heartbeats(s);
    await waitFor(() => heartbeats(s) > seen, 5000, what);
  }

  async function receive(s: SseStream, eventIds: string[], what: string): Promise<void> {
    await waitFor(
      () => {
        const got = new Set(receivedEventIds(s));
        return eventIds.every((id) => got.has(id));
      },
      10000,
      `${what} (${eventIds.length} changes; got ${receivedEventIds(s).length} so far)`,
    );
  }

  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    alice = await userToken(t, 'alice');
    bob = await userToken(t, 'bob');
  });

  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers text/event-stream and sends the backlog first, then another client’s new push live', async () => {
    const appId = newAppId('backlog');
    const backlog = inserts('cards', 'old', 3);
    await push(t, alice, appId, { clientId: 'device-a', changes: backlog });

    const s = await stream(t, appId, { collections: 'cards' });
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);

    await receive(s, ids(backlog), 'the backlog');
    expect(receivedEventIds(s)).toEqual(ids(backlog));
    const backlogChange = receivedChanges(s)[0] as unknown as WireChange;
    expect(backlogChange).toMatchObject({
      table: 'cards',
      id: 'old-0',
      op: 'insert',
      data: { title: 'old-0' },
      clientId: 'device-a',
      userId: 'alice',
    });

    await live(s);
    const fresh = [insert('cards', 'new-0', { title: 'fresh' })];
    await push(t, alice, appId, { clientId: 'device-c', changes: fresh });
    await receive(s, ids(fresh), 'the live change');
    expect(receivedEventIds(s)).toEqual([...ids(backlog), ...ids(fresh)]);
    expect(receivedChanges(s).at(-1)).toMatchObject({
      id: 'new-0',
      data: { title: 'fresh' },
      clientId: 'device-c',
    });
  });

  it('puts the cursor in id: on every changes event, and a reconnect with Last-Event-ID resumes with no gap and no repeat', async () => {
    const appId = newAppId('resume');
    const first = inserts('cards', 'first', 5);
    await push(t, alice, appId, { clientId: 'device-a', changes: first.slice(0, 2) });
    await push(t, alice, appId, { clientId: 'device-a', changes: first.slice(2) });

    const one = await stream(t, appId, { collections: 'cards' });
    await receive(one, ids(first), 'the first batch');
    const live1 = [insert('cards', 'live-1')];
    await live(one);
    await push(t, alice, appId, { clientId: 'device-b', changes: live1 });
    await receive(one, ids(live1), 'a live change before the disconnect');

    for (const e of changesEvents(one)) {
      expect(typeof e.id).toBe('string');
      expect(e.id!.length).toBeGreaterThan(0);
      expect(e.id).toBe(e.syncedUntil);
    }
    // What a browser's EventSource would send back.
    const lastId = one.lastEventId!;
    one.close();

    // Written while the client is away.
    const missed = inserts('cards', 'missed', 4);
    await push(t, alice, appId, { clientId: 'device-b', changes: missed.slice(0, 1) });
    await push(t, alice, appId, { clientId: 'device-b', changes: missed.slice(1) });

    // An older cursor in `since` must lose to Last-Event-ID.
    const older = (await pull(t, alice, appId, { collection: 'cards', limit: 1 })).syncedUntil;
    const two = await stream(
      t,
      appId,
      { collections: 'cards', since: older },
      { lastEventId: lastId },
    );
    expect(two.status).toBe(200);
    await receive(two, ids(missed), 'the changes missed while disconnected');
    await live(two);
    const after = inserts('cards', 'after', 2);
    await push(t, alice, appId, { clientId: 'device-b', changes: after });
    await receive(two, ids(after), 'a live change after the reconnect');

    expect(receivedEventIds(two)).toEqual([...ids(missed), ...ids(after)]);
    const all = [...receivedEventIds(one), ...receivedEventIds(two)];
    expect(all).toEqual([...ids(first), ...ids(live1), ...ids(missed), ...ids(after)]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('sends a heartbeat every SYNC_HEARTBEAT_MS on an idle stream', async () => {
    const appId = newAppId('heartbeat');
    const s = await stream(t, appId, { collections: 'cards' });
    const started = Date.now();
    await waitFor(() => heartbeats(s) >= 3, 5000, 'three heartbeats');
    const elapsed = Date.now() - started;
    // 300 ms apart: three need at least ~600 ms, and come well within 3 s.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(3000);
    const beats = s.events.filter((e) => e.event === 'heartbeat');
    for (const beat of beats) expect(JSON.parse(beat.data)).toEqual({});
    expect(s.events.filter((e) => e.event === 'changes')).toHaveLength(0);
  });

  it('delivers a push made on instance A to a stream open on instance B of the same database', async () => {
    const appId = newAppId('instances');
    const b = await startTestApp({ databaseUrl: t.databaseUrl, env: SYNC_TEST_ENV });
    try {
      const seed = [insert('cards', 'seed')];
      await push(t, alice, appId, { clientId: 'device-a', changes: seed });
      const s = await stream(b, appId, { collections: 'cards' });
      await receive(s, ids(seed), 'the backlog on B');
      await live(s);

      const fromA = inserts('cards', 'from-a', 3);
      await push(t, alice, appId, { clientId: 'device-a', changes: fromA });
      await receive(s, ids(fromA), 'A’s push on B’s stream');
      expect(receivedEventIds(s)).toEqual([...ids(seed), ...ids(fromA)]);
      s.close();
    } finally {
      await b.close();
    }
  });

  async function createSpace(appId: string, token: string, name: string): Promise<string> {
    const res = await request(t.url)
      .post(`/sync/${appId}/spaces`)
      .set(bearer(token))
      .send({ name });
    expect([200, 201]).toContain(res.status);
    const spaceId = (res.body.id ?? res.body.spaceId) as string;
    expect(spaceId).toMatch(/^[0-9a-f-]{36}$/);
    return spaceId;
  }

  async function addMember(appId: string, token: string, spaceId: string, userId: string) {
    const res = await request(t.url)
      .post(`/sync/${appId}/spaces/${spaceId}/members`)
      .set(bearer(token))
      .send({ userId });
    expect([200, 201, 204]).toContain(res.status);
  }

  it('delivers a space member’s write live to another member, and none of the writer’s private records', async () => {
    const appId = newAppId('space');
    const spaceId = await createSpace(appId, alice, 'team');
    await addMember(appId, alice, spaceId, 'bob');

    const s = await stream(t, appId, { collections: 'cards' }, { token: bob });
    expect(s.status).toBe(200);
    await live(s);

    const secret = [insert('cards', 'alice-private')];
    await push(t, alice, appId, { clientId: 'alice-laptop', changes: secret });
    const shared = [insert('cards', 'shared-1', {}, { spaceId })];
    await push(t, alice, appId, { clientId: 'alice-laptop', changes: shared });
    await receive(s, ids(shared), 'alice’s write into the shared space');

    const got = receivedChanges(s);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: 'shared-1', spaceId, userId: 'alice' });
    expect(receivedEventIds(s)).not.toContain(secret[0].eventId);
  });

  it('tells a member’s open stream to resync a space they were just added to, then delivers its writes', async () => {
    const appId = newAppId('joined-live');
    const spaceId = await createSpace(appId, alice, 'team');
    const s = await stream(t, appId, { collections: 'cards' }, { token: bob });
    await live(s);
    expect(s.events.filter((e) => e.event === 'resync')).toHaveLength(0);

    await addMember(appId, alice, spaceId, 'bob');
    await waitFor(
      () => s.events.some((e) => e.event === 'resync'),
      5000,
      'a resync event on the new member’s open stream',
    );
    const hints = s.events.filter((e) => e.event === 'resync').map((e) => JSON.parse(e.data));
    expect(hints).toEqual([expect.objectContaining({ spaceId, reason: 'joined' })]);

    const shared = [insert('cards', 'after-join', {}, { spaceId })];
    await push(t, alice, appId, { clientId: 'alice-laptop', changes: shared });
    await receive(s, ids(shared), 'the space write after joining');
  });

  it('starts a stream resumed from a cursor older than the membership with a resync hint', async () => {
    const appId = newAppId('joined-resume');
    const spaceId = await createSpace(appId, alice, 'team');
    await push(t, bob, appId, { clientId: 'bob-phone', changes: [insert('cards', 'bob-own')] });
    const before = (await pull(t, bob, appId, { collection: 'cards' })).syncedUntil;
    await push(t, alice, appId, {
      clientId: 'alice-laptop',
      changes: [insert('cards', 'before-join', {}, { spaceId })],
    });
    await addMember(appId, alice, spaceId, 'bob');

    const s = await stream(t, appId, { collections: 'cards' }, { token: bob, lastEventId: before });
    expect(s.status).toBe(200);
    await waitFor(
      () => s.events.some((e) => e.event === 'resync'),
      5000,
      'a resync event on the resumed stream',
    );
    const hint = JSON.parse(s.events.find((e) => e.event === 'resync')!.data) as unknown;
    expect(hint).toMatchObject({ spaceId, reason: 'joined' });
  });

  it('stops sending a space’s changes to a removed member’s open stream at once and tells it to drop the space', async () => {
    const appId = newAppId('removed');
    const spaceId = await createSpace(appId, alice, 'team');
    await addMember(appId, alice, spaceId, 'bob');
    const s = await stream(t, appId, { collections: 'cards' }, { token: bob });
    await live(s);
    const before = [insert('cards', 'while-member', {}, { spaceId })];
    await push(t, alice, appId, { clientId: 'alice-laptop', changes: before });
    await receive(s, ids(before), 'a space write while a member');

    await request(t.url)
      .delete(`/sync/${appId}/spaces/${spaceId}/members/bob`)
      .set(bearer(alice))
      .expect((res) => expect([200, 204]).toContain(res.status));
    await waitFor(
      () => s.events.some((e) => e.event === 'resync'),
      5000,
      'a resync event on the removed member’s stream',
    );
    const hints = s.events.filter((e) => e.event === 'resync').map((e) => JSON.parse(e.data));
    expect(hints).toEqual([expect.objectContaining({ spaceId, reason: 'removed' })]);

    const after = [insert('cards', 'after-removal', {}, { spaceId })];
    await push(t, alice, appId, { clientId: 'alice-laptop', changes: after });
    const marker = [insert('cards', 'bob-own')];
    await push(t, bob, appId, { clientId: 'bob-phone', changes: marker });
    await receive(s, ids(marker), 'bob’s own write from another device');
    expect(receivedEventIds(s)).toEqual([...ids(before), ...ids(marker)]);
  });

  it('ends the response body cleanly, without an error event, when the app shuts down', async () => {
    const appId = newAppId('shutdown');
    const b = await startTestApp({ databaseUrl: t.databaseUrl, env: SYNC_TEST_ENV });
    let s: SseStream | undefined;
    try {
      const seed = [insert('cards', 'seed')];
      await push(b, alice, appId, { clientId: 'device-a', changes: seed });
      s = await stream(b, appId, { collections: 'cards' });
      await receive(s, ids(seed), 'the backlog');
      await live(s);
    } finally {
      const closing = b.close();
      const outcome = await within(
        closing.then(() => 'closed'),
        10000,
      );
      if (outcome === 'timeout') {
        s?.close(); // let the app finish closing before failing
        await closing;
      }
      expect(outcome).toBe('closed');
    }
    const gone = s!;
    const end = await within(gone.ended, 5000);
    expect(end).toEqual({ complete: true, error: undefined, closedByClient: false });
    expect(gone.events.filter((e) => e.event === 'error')).toHaveLength(0);

    // The client reconnects (to the surviving instance) with its last id: only what is new.
    const later = [insert('cards', 'later')];
    await push(t, alice, appId, { clientId: 'device-b', changes: later });
    const again = await stream(
      t,
      appId,
      { collections: 'cards' },
      { lastEventId: gone.lastEventId },
    );
    await receive(again, ids(later), 'the change written after the shutdown');
    await live(again);
    expect(receivedEventIds(again)).toEqual(ids(later));
  });

  it('sends only the tables named in collections=a,b', async () => {
    const appId = newAppId('collections');
    const mixed = [
      insert('cards', 'c1'),
      insert('tags', 't1'),
      insert('lists', 'l1'),
      insert('tags', 't2'),
    ];
    await push(t, alice, appId, { clientId: 'device-a', changes: mixed });

    const s = await stream(t, appId, { collections: 'cards,lists' });
    const wanted = mixed.filter((c) => c.table !== 'tags');
    await receive(s, ids(wanted), 'the cards and lists backlog');
    await live(s);

    await push(t, alice, appId, { clientId: 'device-a', changes: [insert('tags', 't3')] });
    const marker = [insert('lists', 'l2')];
    await push(t, alice, appId, { clientId: 'device-a', changes: marker });
    await receive(s, ids(marker), 'a live lists change');

    const got = receivedChanges(s);
    expect(got.map((c) => c.table)).toEqual(['cards', 'lists', 'lists']);
    expect(ids(got)).toEqual([...ids(wanted), ...ids(marker)]);
  });

  it.each([
    ['the X-Client-Id header', { clientId: 'device-a' }, {}],
    ['the clientId query parameter', {}, { clientId: 'device-a' }],
  ])(
    'leaves out the pushing client’s own changes, backlog and live, when it is named in %s',
    async (_how, options: SseOptions, query: Record<string, string>) => {
      const appId = newAppId('own');
      const ownOld = [insert('cards', 'own-old')];
      const otherOld = [insert('cards', 'other-old')];
      await push(t, alice, appId, { clientId: 'device-a', changes: ownOld });
      await push(t, alice, appId, { clientId: 'device-b', changes: otherOld });

      const s = await stream(t, appId, { collections: 'cards', ...query }, options);
      await receive(s, ids(otherOld), 'the other device’s backlog');
      await live(s);

      const ownNew = inserts('cards', 'own-new', 2);
      const res = await request(t.url)
        .post(`/sync/${appId}`)
        .set(bearer(alice))
        .set('X-Client-Id', 'device-a')
        .send({ clientId: 'ignored-body-id', changes: ownNew });
      expect(res.status).toBe(200);
      const otherNew = [insert('cards', 'other-new')];
      await push(t, alice, appId, { clientId: 'device-b', changes: otherNew });
      await receive(s, ids(otherNew), 'the other device’s live change');

      expect(receivedEventIds(s)).toEqual([...ids(otherOld), ...ids(otherNew)]);
      expect(receivedChanges(s).every((c) => c.clientId === 'device-b')).toBe(true);
    },
  );

  it('refuses a stream without a user JWT with 401', async () => {
    const s = await stream(t, newAppId('auth'), { collections: 'cards' }, { token: '' });
    expect(s.status).toBe(401);
    expect(s.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
