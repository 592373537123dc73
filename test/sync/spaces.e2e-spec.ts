import request from 'supertest';
import { DataSource } from 'typeorm';
import { SyncCompactionJob } from '../../src/sync/log/compaction.job.js';
import { nextIdsStraddleDigitBoundary, straddlesDigitBoundary } from '../support/digit-boundary.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import {
  ago,
  insertChange,
  MIN,
  push,
  SYNC_TEST_ENV,
  updateChange,
  userToken,
  WireChange,
} from './helpers.js';

let appSeq = 0;
const newApp = () => `spaces-${++appSeq}`;

const insert = (id: string, data: Record<string, unknown>, extra: Partial<WireChange> = {}) =>
  insertChange(id, data, { at: ago(MIN), ...extra });

const update = updateChange;

interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

interface OpenStream {
  status: number;
  events: SseEvent[];
  changes(): WireChange[];
  close(): Promise<void>;
}

/** A minimal Server-Sent Events reader: fetch, read the body stream, split on blank lines. */
async function openStream(
  url: string,
  token: string,
  query: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${url}?${new URLSearchParams(query)}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'event') event = val;
            else if (name === 'id') id = val;
            else if (name === 'data') data.push(val);
          }
          if (!data.length && event === 'message') continue;
          const text = data.join('\n');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep the raw text */
          }
          events.push({ event, id, data: parsed });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    status: res.status,
    events,
    changes: () =>
      events
        .filter((e) => e.event === 'changes')
        .flatMap((e) => (e.data as { changes: WireChange[] }).changes),
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

interface Space {
  id: string;
  name: string;
  members?: unknown[];
}

/** Members may be listed as user ids or as objects carrying `userId`. */
const memberIds = (space: Space): string[] =>
  (space.members ?? []).map((m) =>
    typeof m === 'string' ? m : String((m as { userId: string }).userId),
  );

/** A list answer as a bare array or a `{ data: [...] }` page. */
const asList = <T>(body: unknown): T[] =>
  Array.isArray(body) ? (body as T[]) : ((body as { data: T[] }).data ?? []);

const ids = (changes: { id: string }[]) => changes.map((c) => c.id);

describe('Sync spaces and privacy', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let carol: string;
  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => userToken(t, u)));
  });
  afterAll(() => t.close());

  const rawPush = (token: string, appId: string, body: Record<string, unknown>) =>
    request(t.url).post(`/sync/${appId}`).set(bearer(token)).send(body);

  const rawPull = (token: string, appId: string, query: Record<string, string | undefined>) =>
    request(t.url)
      .get(`/sync/${appId}/pull`)
      .query(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)))
      .set(bearer(token));

  async function pullAll(token: string, appId: string, since?: string) {
    const changes: WireChange[] = [];
    for (let page = 0; page < 100; page++) {
      const res = await rawPull(token, appId, { collection: 'cards', since }).expect(200);
      changes.push(...res.body.changes);
      since = res.body.syncedUntil;
      if (!res.body.hasMore)
        return { changes, syncedUntil: since as string, resync: res.body.resync };
    }
    throw new Error('pull did not end');
  }

  async function snapshotIds(token: string, appId: string, spaceId?: string) {
    const out: string[] = [];
    let since: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await request(t.url)
        .get(`/sync/${appId}/snapshot`)
        .query({
          collection: 'cards',
          ...(since ? { since } : {}),
          ...(spaceId ? { spaceId } : {}),
        })
        .set(bearer(token))
        .expect(200);
      out.push(...res.body.records.map((r: { id: string }) => r.id));
      if (!res.body.hasMore) return out;
      since = res.body.next;
    }
    throw new Error('snapshot did not end');
  }

  async function createSpace(token: string, appId: string, name = 'team'): Promise<Space> {
    const res = await request(t.url)
      .post(`/sync/${appId}/spaces`)
      .set(bearer(token))
      .send({ name })
      .expect(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    return res.body;
  }

  async function addMember(token: string, appId: string, spaceId: string, userId: string) {
    const res = await request(t.url)
      .post(`/sync/${appId}/spaces/${spaceId}/members`)
      .set(bearer(token))
      .send({ userId });
    expect([200, 201, 204]).toContain(res.status);
  }

  async function removeMember(token: string, appId: string, spaceId: string, userId: string) {
    const res = await request(t.url)
      .delete(`/sync/${appId}/spaces/${spaceId}/members/${userId}`)
      .set(bearer(token));
    expect([200, 204]).toContain(res.status);
  }

  const mySpaces = async (token: string, appId: string) =>
    asList<Space>(
      (await request(t.url).get(`/sync/${appId}/spaces`).set(bearer(token)).expect(200)).body,
    );

  function expectProblem(res: request.Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  }

  describe('privacy', () => {
    it('never hands alice’s private changes to bob on push, pull, snapshot or stream', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await addMember(alice, appId, space.id, 'bob');
      const bobStart = await push(t, bob, appId, {
        clientId: 'bob-1',
        changes: [insert('bob-own', { t: 'b' })],
      });

      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [
          insert('alice-private', { secret: true }),
          insert('shared-1', { t: 's' }, { spaceId: space.id }),
        ],
      });

      const pushed = await push(t, bob, appId, {
        clientId: 'bob-1',
        since: bobStart.syncedUntil,
        changes: [insert('bob-own-2', { t: 'b' })],
      });
      expect(ids(pushed.serverChanges)).toContain('shared-1');
      expect(ids(pushed.serverChanges)).not.toContain('alice-private');

      const pulled = await pullAll(bob, appId);
      expect(ids(pulled.changes)).toContain('shared-1');
      expect(ids(pulled.changes)).not.toContain('alice-private');

      const snap = await snapshotIds(bob, appId);
      expect(snap).toContain('shared-1');
      expect(snap).not.toContain('alice-private');
      // alice, the owner, sees both
      expect(await snapshotIds(alice, appId)).toEqual(
        expect.arrayContaining(['alice-private', 'shared-1']),
      );

      const stream = await openStream(`${t.url}/sync/${appId}/stream`, bob, {
        collections: 'cards',
      });
      try {
        expect(stream.status).toBe(200);
        await waitFor(() => ids(stream.changes()).includes('shared-1'), 5000, 'backlog');
        // live: a private change first, then a shared one; once the shared one arrived the
        // private one would have arrived before it.
        await push(t, alice, appId, {
          clientId: 'alice-1',
          changes: [insert('alice-private-2', { secret: true })],
        });
        await push(t, alice, appId, {
          clientId: 'alice-1',
          changes: [insert('shared-2', { t: 's' }, { spaceId: space.id })],
        });
        await waitFor(() => ids(stream.changes()).includes('shared-2'), 5000, 'live change');
        expect(ids(stream.changes())).not.toContain('alice-private');
        expect(ids(stream.changes())).not.toContain('alice-private-2');
      } finally {
        await stream.close();
      }
    });

    it('answers 403 for writing into a space you are not a member of and writes nothing', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      const res = await rawPush(carol, appId, {
        clientId: 'carol-1',
        changes: [
          insert('carol-private', { ok: true }),
          insert('intruder', { bad: true }, { spaceId: space.id }),
        ],
      });
      expectProblem(res, 403);
      expect((await pullAll(carol, appId)).changes).toEqual([]);
      expect((await pullAll(alice, appId)).changes).toEqual([]);
      expect(await snapshotIds(alice, appId, space.id)).toEqual([]);
    });

    it('answers 403 for changing another user’s private record and writes nothing', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('mine', { title: 'A' }, { at: ago(10 * MIN) })],
      });
      // A pull reads below the cluster's transaction watermark: a transaction open anywhere
      // (another suite's) can hold the insert back for a moment.
      const before = await waitFor(async () => {
        const pulled = await pullAll(alice, appId);
        return pulled.changes.length === 1 && pulled;
      });

      const upd = await rawPush(bob, appId, {
        clientId: 'bob-1',
        changes: [
          insert('bobs', { title: 'ok' }),
          update('mine', { title: { value: 'hijacked', at: ago(MIN) } }),
        ],
      });
      expectProblem(upd, 403);
      const delRes = await rawPush(bob, appId, {
        clientId: 'bob-1',
        changes: [
          { eventId: 'del-mine', table: 'cards', id: 'mine', op: 'delete', deletedAt: ago(MIN) },
        ],
      });
      expectProblem(delRes, 403);
      const ins = await rawPush(bob, appId, {
        clientId: 'bob-1',
        changes: [insert('mine', { title: 'overwrite' })],
      });
      expectProblem(ins, 403);

      expect((await pullAll(alice, appId)).changes).toEqual(before.changes);
      expect((await pullAll(bob, appId)).changes).toEqual([]);
      const snap = await request(t.url)
        .get(`/sync/${appId}/snapshot`)
        .query({ collection: 'cards' })
        .set(bearer(alice))
        .expect(200);
      expect(snap.body.records).toEqual([
        expect.objectContaining({
          id: 'mine',
          deleted: false,
          fields: { title: expect.objectContaining({ value: 'A' }) },
        }),
      ]);
    });

    it('answers 409 for a change that would move a record to another space', async () => {
      const appId = newApp();
      const s1 = await createSpace(alice, appId, 'one');
      const s2 = await createSpace(alice, appId, 'two');
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('r', { title: 'A' }, { spaceId: s1.id, at: ago(10 * MIN) })],
      });
      const moved = await rawPush(alice, appId, {
        clientId: 'alice-1',
        changes: [
          insert('other', { title: 'fine' }, { spaceId: s2.id }),
          update('r', { title: { value: 'moved', at: ago(MIN) } }, { spaceId: s2.id }),
        ],
      });
      expectProblem(moved, 409);
      const reinserted = await rawPush(alice, appId, {
        clientId: 'alice-1',
        changes: [insert('r', { title: 'moved' }, { spaceId: s2.id })],
      });
      expectProblem(reinserted, 409);

      expect(await snapshotIds(alice, appId, s2.id)).toEqual([]);
      expect(await snapshotIds(alice, appId, s1.id)).toEqual(['r']);
      expect(ids((await pullAll(alice, appId)).changes)).toEqual(['r']);
    });
  });

  describe('space API', () => {
    it('creates a space with its creator as member, adds a member, and lists it for both', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId, 'Kitchen');
      expect(space.name).toBe('Kitchen');

      let listed = (await mySpaces(alice, appId)).find((s) => s.id === space.id);
      expect(listed).toBeDefined();
      expect(memberIds(listed!)).toEqual(['alice']);
      expect(await mySpaces(bob, appId)).toEqual([]);

      await addMember(alice, appId, space.id, 'bob');
      listed = (await mySpaces(alice, appId)).find((s) => s.id === space.id);
      expect(memberIds(listed!).sort()).toEqual(['alice', 'bob']);
      const bobs = await mySpaces(bob, appId);
      expect(bobs.map((s) => s.id)).toEqual([space.id]);

      // spaces are per app
      expect(await mySpaces(alice, newApp())).toEqual([]);
    });

    it('answers a space as stored: owner, creation time, members in join order, times in UTC', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId, 'Garden');
      await addMember(alice, appId, space.id, 'carol');
      await addMember(alice, appId, space.id, 'bob');
      // Adding a member again changes nothing: bob keeps his role and join time.
      await addMember(alice, appId, space.id, 'bob');

      const rows: { user_id: string; role: string; added_at: Date }[] = await t.app
        .get(DataSource)
        .query(
          `SELECT user_id, role, added_at FROM sync_space_members WHERE space_id = $1 ORDER BY added_at, user_id`,
          [space.id],
        );
      const [stored]: { created_at: Date }[] = await t.app
        .get(DataSource)
        .query(`SELECT created_at FROM sync_spaces WHERE id = $1`, [space.id]);
      const expected = {
        id: space.id,
        appId,
        name: 'Garden',
        ownerId: 'alice',
        createdAt: stored.created_at.toISOString(),
        members: rows.map((r) => ({
          userId: r.user_id,
          role: r.role,
          addedAt: r.added_at.toISOString(),
        })),
      };
      expect(expected.members.map((m) => [m.userId, m.role])).toEqual([
        ['alice', 'owner'],
        ['carol', 'member'],
        ['bob', 'member'],
      ]);
      expect(space).toEqual({ ...expected, members: expected.members.slice(0, 1) });
      expect((await mySpaces(bob, appId)).find((s) => s.id === space.id)).toEqual(expected);
      const admin = await request(t.url)
        .get(`/sync/apps/${appId}/spaces`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect(admin.body).toEqual({ data: [expected] });
      for (const at of [expected.createdAt, ...expected.members.map((m) => m.addedAt)])
        expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('lets only the owner add members', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await addMember(alice, appId, space.id, 'bob');
      const res = await request(t.url)
        .post(`/sync/${appId}/spaces/${space.id}/members`)
        .set(bearer(bob))
        .send({ userId: 'carol' });
      expectProblem(res, 403);
      expect(await mySpaces(carol, appId)).toEqual([]);
    });

    it('lets a member leave but never removes the owner', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await addMember(alice, appId, space.id, 'bob');
      await removeMember(bob, appId, space.id, 'bob');
      expect(await mySpaces(bob, appId)).toEqual([]);

      const res = await request(t.url)
        .delete(`/sync/${appId}/spaces/${space.id}/members/alice`)
        .set(bearer(alice));
      expectProblem(res, 409);
      expect((await mySpaces(alice, appId)).map((s) => s.id)).toEqual([space.id]);
    });

    it('lets an admin list every space of an app, and no user', async () => {
      const appId = newApp();
      const a = await createSpace(alice, appId, 'a');
      const c = await createSpace(carol, appId, 'c');
      await createSpace(alice, newApp(), 'elsewhere');
      const res = await request(t.url)
        .get(`/sync/apps/${appId}/spaces`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect(
        asList<Space>(res.body)
          .map((s) => s.id)
          .sort(),
      ).toEqual([a.id, c.id].sort());
      await request(t.url).get(`/sync/apps/${appId}/spaces`).set(bearer(alice)).expect(403);
    });
  });

  describe('joining and leaving', () => {
    // A device that synced before the join holds a cursor past the space's older records:
    // the hint tells it to load them from the snapshot.
    it('tells a new member to resync on the next push, and the space snapshot holds the existing records', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [
          insert('s1', { n: 1 }, { spaceId: space.id }),
          insert('s2', { n: 2 }, { spaceId: space.id }),
          insert('alice-only', { n: 3 }),
        ],
      });
      const before = await pullAll(bob, appId);
      expect(before.changes).toEqual([]);
      expect(before.resync ?? []).toEqual([]);

      await addMember(alice, appId, space.id, 'bob');
      const answer = await push(t, bob, appId, {
        clientId: 'bob-1',
        since: before.syncedUntil,
        changes: [insert('b1', { n: 4 })],
      });
      expect(answer.resync).toEqual([{ spaceId: space.id, reason: 'joined' }]);
      // the older space records are not in the delta: the snapshot has them
      expect(ids(answer.serverChanges)).not.toContain('s1');
      expect((await snapshotIds(bob, appId, space.id)).sort()).toEqual(['s1', 's2']);
    });

    it('tells a new member to resync on the next pull and stream', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('s1', { n: 1 }, { spaceId: space.id })],
      });
      const before = await pullAll(bob, appId);
      expect(before.resync ?? []).toEqual([]);
      await addMember(alice, appId, space.id, 'bob');

      const res = await rawPull(bob, appId, {
        collection: 'cards',
        since: before.syncedUntil,
      }).expect(200);
      expect(res.body.resync).toEqual([{ spaceId: space.id, reason: 'joined' }]);

      const stream = await openStream(`${t.url}/sync/${appId}/stream`, bob, {
        collections: 'cards',
        since: before.syncedUntil,
      });
      try {
        await waitFor(
          () =>
            stream.events.some(
              (e) =>
                e.event === 'resync' &&
                (e.data as { spaceId: string }).spaceId === space.id &&
                (e.data as { reason: string }).reason === 'joined',
            ),
          5000,
          'resync joined on the stream',
        );
      } finally {
        await stream.close();
      }
    });

    it('tells an open stream that its user joined a space', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      const stream = await openStream(`${t.url}/sync/${appId}/stream`, bob, {
        collections: 'cards',
      });
      try {
        await waitFor(() => stream.events.length > 0, 5000, 'first event');
        await addMember(alice, appId, space.id, 'bob');
        await waitFor(
          () =>
            stream.events.some(
              (e) =>
                e.event === 'resync' &&
                (e.data as { spaceId: string }).spaceId === space.id &&
                (e.data as { reason: string }).reason === 'joined',
            ),
          5000,
          'resync joined on the open stream',
        );
        // and from then on the space's changes arrive live
        await push(t, alice, appId, {
          clientId: 'alice-1',
          changes: [insert('s-live', { n: 1 }, { spaceId: space.id })],
        });
        await waitFor(() => ids(stream.changes()).includes('s-live'), 5000, 'live space change');
      } finally {
        await stream.close();
      }
    });

    it('stops handing a removed member the space’s changes on pull and snapshot, and refuses its writes', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await addMember(alice, appId, space.id, 'bob');
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('before', { n: 1 }, { spaceId: space.id })],
      });
      const seen = await pullAll(bob, appId);
      expect(ids(seen.changes)).toEqual(['before']);
      expect(await snapshotIds(bob, appId)).toEqual(['before']);

      await removeMember(alice, appId, space.id, 'bob');
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('after', { n: 2 }, { spaceId: space.id })],
      });

      expect(ids((await pullAll(bob, appId, seen.syncedUntil)).changes)).toEqual([]);
      expect(ids((await pullAll(bob, appId)).changes)).not.toContain('after');
      expect(await snapshotIds(bob, appId)).toEqual([]);
      // Reads are filtered, not refused (docs/sync-protocol.md, Spaces): a device that follows
      // a stale `joined` hint after the removal gets an empty page, not an error.
      const bySpace = await request(t.url)
        .get(`/sync/${appId}/snapshot`)
        .query({ collection: 'cards', spaceId: space.id })
        .set(bearer(bob))
        .expect(200);
      expect(bySpace.body).toMatchObject({ records: [], hasMore: false, next: null });

      const write = await rawPush(bob, appId, {
        clientId: 'bob-1',
        changes: [insert('late', { n: 3 }, { spaceId: space.id })],
      });
      expectProblem(write, 403);
      expect((await snapshotIds(alice, appId)).sort()).toEqual(['after', 'before']);
    });

    it('tells an open stream of a removed member to drop the space and sends it no more of it', async () => {
      const appId = newApp();
      const space = await createSpace(alice, appId);
      await addMember(alice, appId, space.id, 'bob');
      await push(t, alice, appId, {
        clientId: 'alice-1',
        changes: [insert('before', { n: 1 }, { spaceId: space.id })],
      });
      const stream = await openStream(`${t.url}/sync/${appId}/stream`, bob, {
        collections: 'cards',
      });
      try {
        await waitFor(() => ids(stream.changes()).includes('before'), 5000, 'backlog');
        await removeMember(alice, appId, space.id, 'bob');
        await waitFor(
          () =>
            stream.events.some(
              (e) =>
                e.event === 'resync' &&
                (e.data as { spaceId: string; reason: string }).spaceId === space.id &&
                (e.data as { reason: string }).reason === 'removed',
            ),
          5000,
          'resync removed',
        );
        await push(t, alice, appId, {
          clientId: 'alice-1',
          changes: [insert('after', { n: 2 }, { spaceId: space.id })],
        });
        // bob's own other device writes afterwards: once that arrives, `after` would have too
        await push(t, bob, appId, { clientId: 'bob-2', changes: [insert('bob-marker', { n: 3 })] });
        await waitFor(() => ids(stream.changes()).includes('bob-marker'), 5000, 'marker');
        expect(ids(stream.changes())).not.toContain('after');
      } finally {
        await stream.close();
      }
    });
  });

  describe('compaction', () => {
    // Its own database: backdating rewrites every change row.
    let c: TestApp;
    let token: string;
    beforeAll(async () => {
      c = await startTestApp({ env: SYNC_TEST_ENV });
      token = await userToken(c, 'alice');
    });
    afterAll(() => c.close());

    const cPull = (query: Record<string, string | undefined>) =>
      request(c.url)
        .get('/sync/compact/pull')
        .query(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)))
        .set(bearer(token));

    it('answers 410 reset to cursors older than the horizon and keeps newer cursors working', async () => {
      await push(c, token, 'compact', { clientId: 'd', changes: [insert('a', { n: 1 })] });
      const afterA = (
        await waitFor(
          async () => {
            const res = await cPull({ collection: 'cards' }).expect(200);
            return ids(res.body.changes).includes('a') ? res : undefined;
          },
          10000,
          'the pull to reach a',
        )
      ).body.syncedUntil;
      await push(c, token, 'compact', { clientId: 'd', changes: [insert('b', { n: 2 })] });

      await c.app
        .get(DataSource)
        .query(`UPDATE sync_changes SET created_at = now() - interval '40 days'`);
      await push(c, token, 'compact', { clientId: 'd', changes: [insert('c', { n: 3 })] });
      // A pull reads below the oldest open transaction (a background one of this app may
      // still be open when the push commits), so `c` shows up at the latest a moment later.
      const sinceA = await waitFor(
        async () => {
          const res = await cPull({ collection: 'cards', since: afterA }).expect(200);
          return ids(res.body.changes).includes('c') ? res : undefined;
        },
        10000,
        'the pull to reach c',
      );
      expect(ids(sinceA.body.changes)).toEqual(['b', 'c']);
      const afterC = sinceA.body.syncedUntil;
      await c.app.get(SyncCompactionJob).compact();

      const fromStart = await cPull({ collection: 'cards' });
      expectProblem(fromStart, 410);
      expect(fromStart.body.reset).toBe(true);
      const old = await cPull({ collection: 'cards', since: afterA });
      expectProblem(old, 410);
      expect(old.body.reset).toBe(true);

      const oldPush = await request(c.url)
        .post('/sync/compact')
        .set(bearer(token))
        .send({ clientId: 'd', since: afterA, changes: [insert('x', { n: 9 })] });
      expectProblem(oldPush, 410);
      expect(oldPush.body.reset).toBe(true);

      const oldStream = await request(c.url)
        .get('/sync/compact/stream')
        .query({ collections: 'cards', since: afterA })
        .set(bearer(token));
      expectProblem(oldStream, 410);
      expect(oldStream.body.reset).toBe(true);

      // A cursor newer than the horizon still works.
      await push(c, token, 'compact', {
        clientId: 'd',
        since: afterC,
        changes: [insert('c2', { n: 3 })],
      });
      const recent = await cPull({ collection: 'cards', since: afterC }).expect(200);
      expect(ids(recent.body.changes)).toEqual(['c2']);

      // The snapshot still has everything; its cursor is past the horizon.
      const snap = await request(c.url)
        .get('/sync/compact/snapshot')
        .query({ collection: 'cards' })
        .set(bearer(token))
        .expect(200);
      expect(snap.body.records.map((r: { id: string }) => r.id).sort()).toEqual([
        'a',
        'b',
        'c',
        'c2',
      ]);
      const fresh = await cPull({ collection: 'cards', since: snap.body.syncedUntil }).expect(200);
      expect(fresh.body.changes).toEqual([]);

      await push(c, token, 'compact', {
        clientId: 'd',
        since: snap.body.syncedUntil,
        changes: [insert('d', { n: 4 })],
      });
      const later = await cPull({ collection: 'cards', since: snap.body.syncedUntil }).expect(200);
      expect(ids(later.body.changes)).toEqual(['d']);
      const stillOk = await request(c.url)
        .post('/sync/compact')
        .set(bearer(token))
        .send({ clientId: 'e', since: snap.body.syncedUntil, changes: [insert('e', { n: 5 })] })
        .expect(200);
      expect(ids(stillOk.body.serverChanges)).toEqual(['d']);
    });

    it('prunes every old change of one transaction when their seqs straddle a digit boundary', async () => {
      const db = c.app.get(DataSource);
      await nextIdsStraddleDigitBoundary(db, 'sync_changes', 'seq', 6);
      await push(c, token, 'compact-many', {
        clientId: 'd',
        changes: Array.from({ length: 12 }, (_, i) => insert(`m${i}`, { n: i })),
      });
      const rows: { tx: string; seq: string }[] = await db.query(
        `SELECT tx::text AS tx, seq::text AS seq FROM sync_changes WHERE app_id = 'compact-many'`,
      );
      expect(rows).toHaveLength(12);
      expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
      expect(straddlesDigitBoundary(rows.map((r) => r.seq))).toBe(true);
      await db.query(
        `UPDATE sync_changes SET created_at = now() - interval '40 days' WHERE app_id = 'compact-many'`,
      );

      await c.app.get(SyncCompactionJob).compact();

      const [left] = await db.query(
        `SELECT count(*)::int AS n FROM sync_changes WHERE app_id = 'compact-many'`,
      );
      expect(left.n).toBe(0);
      const [horizon] = await db.query(
        `SELECT seq::text AS seq FROM sync_horizons WHERE app_id = 'compact-many'`,
      );
      const maxSeq = rows.map((r) => BigInt(r.seq)).reduce((a, b) => (a > b ? a : b));
      expect(horizon.seq).toBe(maxSeq.toString());
    });
  });
});
