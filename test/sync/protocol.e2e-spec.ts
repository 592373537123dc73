import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
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

/** Every test works in its own app id, so logs, records and cursors never mix. */
let appSeq = 0;
const newApp = () => `proto-${++appSeq}`;

/** The same instant written with a +02:00 offset: sorts later as a string, not as a time. */
function withPlus2(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 2 * 3600_000);
  return `${d.toISOString().slice(0, 19)}+02:00`;
}

const insert = insertChange;

const update = updateChange;

const del = (id: string, deletedAt: string, extra: Partial<WireChange> = {}): WireChange => ({
  eventId: `del-${id}-${Math.random()}`,
  table: 'cards',
  id,
  op: 'delete',
  deletedAt,
  ...extra,
});

interface SnapshotRecord {
  table: string;
  id: string;
  spaceId: string | null;
  ownerId: string;
  fields: Record<string, { value: unknown; at: string; clientId: string; eventId: string }>;
  insertedAt: string | null;
  deletedAt: string | null;
  deleted: boolean;
}

describe('Sync protocol', () => {
  let t: TestApp;
  let alice: string;
  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    alice = await userToken(t, 'alice');
  });
  afterAll(() => t.close());

  const rawPush = (
    token: string,
    appId: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => request(t.url).post(`/sync/${appId}`).set(bearer(token)).set(headers).send(body);

  const rawPull = (
    token: string,
    appId: string,
    query: Record<string, string | number | undefined>,
    headers: Record<string, string> = {},
  ) =>
    request(t.url)
      .get(`/sync/${appId}/pull`)
      .query(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)))
      .set(bearer(token))
      .set(headers);

  /** Every change of a table from the beginning of the log, following `hasMore`. */
  async function pullAll(
    token: string,
    appId: string,
    collection = 'cards',
    headers: Record<string, string> = {},
  ): Promise<WireChange[]> {
    const out: WireChange[] = [];
    let since: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await rawPull(token, appId, { collection, since }, headers).expect(200);
      out.push(...res.body.changes);
      since = res.body.syncedUntil;
      if (!res.body.hasMore) return out;
    }
    throw new Error('pull did not end');
  }

  async function snapshotAll(
    token: string,
    appId: string,
    collection = 'cards',
    limit?: number,
  ): Promise<{ records: SnapshotRecord[]; pages: number }> {
    const records: SnapshotRecord[] = [];
    let since: string | undefined;
    for (let pages = 1; pages < 100; pages++) {
      const res = await request(t.url)
        .get(`/sync/${appId}/snapshot`)
        .query({ collection, ...(since ? { since } : {}), ...(limit ? { limit } : {}) })
        .set(bearer(token))
        .expect(200);
      records.push(...res.body.records);
      if (!res.body.hasMore) return { records, pages };
      since = res.body.next;
    }
    throw new Error('snapshot did not end');
  }

  const record = async (appId: string, id: string, token = alice) =>
    (await snapshotAll(token, appId)).records.find((r) => r.id === id);

  function expectProblem(res: request.Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(status);
  }

  describe('push and pull round trips', () => {
    it('records insert, update and delete and pulls them back in the documented wire shape', async () => {
      const appId = newApp();
      const insertedAt = ago(10 * MIN);
      const updatedAt = ago(9 * MIN);
      const deletedAt = ago(8 * MIN);
      const answer = await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [
          {
            eventId: 'e-1',
            table: 'cards',
            id: 'c1',
            op: 'insert',
            data: { title: 'A', done: false },
            at: insertedAt,
          },
          {
            eventId: 'e-2',
            table: 'cards',
            id: 'c1',
            op: 'update',
            fields: { title: { value: 'B', at: updatedAt } },
            actor: 'user:alice',
            origin: 'mobile',
          },
          { eventId: 'e-3', table: 'cards', id: 'c1', op: 'delete', deletedAt },
        ],
      });
      expect(answer).toMatchObject({
        conflicts: [],
        clamped: [],
        hasMore: false,
        syncedUntil: expect.any(String),
      });
      // device-a's own changes never come back to device-a
      expect(answer.serverChanges).toEqual([]);

      const common = { table: 'cards', id: 'c1', spaceId: null, schemaVersion: 1 };
      const who = { clientId: 'device-a', userId: 'alice' };
      const changes = await pullAll(alice, appId);
      expect(changes).toEqual([
        {
          eventId: 'e-1',
          ...common,
          op: 'insert',
          data: { title: 'A', done: false },
          at: insertedAt,
          ...who,
        },
        {
          eventId: 'e-2',
          ...common,
          op: 'update',
          fields: { title: { value: 'B', at: updatedAt } },
          actor: 'user:alice',
          origin: 'mobile',
          ...who,
        },
        {
          eventId: 'e-3',
          ...common,
          op: 'delete',
          deletedAt,
          ...who,
        },
      ]);
    });

    it('stamps an insert without `at` with the server time', async () => {
      const appId = newApp();
      const before = Date.now();
      await push(t, alice, appId, { clientId: 'd', changes: [insert('c1', { title: 'x' })] });
      const after = Date.now();
      const [change] = await pullAll(alice, appId);
      expect(change.op).toBe('insert');
      const at = new Date(change.at!).getTime();
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(after + 1000);
    });

    it('hands a change to another client in serverChanges but not back to the client that pushed it', async () => {
      const appId = newApp();
      const first = await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [insert('b0', { title: 'from b' }, { at: ago(5 * MIN) })],
      });
      const fromA = insert('a1', { title: 'from a' }, { at: ago(4 * MIN) });
      const a = await push(t, alice, appId, { clientId: 'device-a', changes: [fromA] });
      expect(a.serverChanges.map((c) => c.eventId)).not.toContain(fromA.eventId);

      const b = await push(t, alice, appId, {
        clientId: 'device-b',
        since: first.syncedUntil,
        changes: [insert('b1', { title: 'again b' }, { at: ago(3 * MIN) })],
      });
      expect(b.serverChanges).toEqual([
        expect.objectContaining({ eventId: fromA.eventId, id: 'a1', clientId: 'device-a' }),
      ]);
    });

    it('takes the client id from the X-Client-Id header over the body', async () => {
      const appId = newApp();
      const start = await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [insert('b0', { title: 'b' }, { at: ago(5 * MIN) })],
      });
      // The body claims device-b, the header says device-a: the change is device-a's.
      const change = insert('x1', { title: 'x' }, { at: ago(4 * MIN) });
      const res = await rawPush(
        alice,
        appId,
        { clientId: 'device-b', changes: [change] },
        { 'X-Client-Id': 'device-a' },
      ).expect(200);
      expect(res.body.serverChanges.map((c: WireChange) => c.eventId)).not.toContain(
        change.eventId,
      );

      // device-b (body only) receives it as another client's change...
      const b = await push(t, alice, appId, {
        clientId: 'device-b',
        since: start.syncedUntil,
        changes: [insert('b1', { title: 'b1' }, { at: ago(3 * MIN) })],
      });
      expect(b.serverChanges).toEqual([
        expect.objectContaining({ eventId: change.eventId, clientId: 'device-a' }),
      ]);
      // ...and device-a (header) does not get it back.
      const a = await rawPush(
        alice,
        appId,
        {
          clientId: 'device-b',
          since: start.syncedUntil,
          changes: [insert('a2', { title: 'a2' }, { at: ago(2 * MIN) })],
        },
        { 'X-Client-Id': 'device-a' },
      ).expect(200);
      const got = a.body.serverChanges.map((c: WireChange) => c.eventId);
      expect(got).not.toContain(change.eventId);
      expect(a.body.serverChanges).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'b1', clientId: 'device-b' })]),
      );
    });

    it('leaves out the pulling client’s own changes when it sends X-Client-Id', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [insert('a1', { title: 'a' }, { at: ago(5 * MIN) })],
      });
      await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [insert('b1', { title: 'b' }, { at: ago(4 * MIN) })],
      });
      const forA = await pullAll(alice, appId, 'cards', { 'X-Client-Id': 'device-a' });
      expect(forA.map((c) => c.id)).toEqual(['b1']);
      const forNobody = await pullAll(alice, appId);
      expect(forNobody.map((c) => c.id)).toEqual(['a1', 'b1']);
    });
  });

  describe('validation (400, nothing written)', () => {
    const valid = (i: number) => insert(`ok${i}`, { title: `ok ${i}` }, { at: ago(MIN) });
    const bad = (change: Record<string, unknown>) => ({
      eventId: `bad-${Math.random()}`,
      table: 'cards',
      id: 'bad1',
      op: 'insert',
      data: { title: 'x' },
      ...change,
    });

    it.each([
      ['an unknown op', 2, { op: 'upsert' }, 'op'],
      ['an empty table', 2, { table: '' }, 'table'],
      ['an empty id', 2, { id: '' }, 'id'],
      ['an id over 200 characters', 1, { id: 'i'.repeat(201) }, 'id'],
      ['an upper-case table name', 1, { table: 'Cards' }, 'table'],
      ['a table name starting with a digit', 0, { table: '1x' }, 'table'],
      ['a table name over 63 characters', 2, { table: `t${'a'.repeat(63)}` }, 'table'],
      ['a table name with a dash', 2, { table: 'my-cards' }, 'table'],
      ['an eventId over 200 characters', 2, { eventId: 'e'.repeat(201) }, 'eventId'],
      ['an `at` that is not ISO 8601', 2, { at: 'yesterday' }, 'at'],
    ])('rejects %s naming the change index', async (_what, index, override, field) => {
      const appId = newApp();
      const changes: unknown[] = [valid(0), valid(1), valid(2)];
      changes[index] = bad(override);
      const res = await rawPush(alice, appId, { clientId: 'd', changes });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: `changes[${index}].${field}`, message: expect.any(String) },
        ]),
      );
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('says a missing table "is required", not the pattern it must match', async () => {
      const appId = newApp();
      const change = bad({});
      delete (change as Record<string, unknown>).table;
      const res = await rawPush(alice, appId, { clientId: 'd', changes: [valid(0), change] });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([{ field: 'changes[1].table', message: 'is required' }]);
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('says a time without an offset is missing its offset', async () => {
      const appId = newApp();
      const res = await rawPush(alice, appId, {
        clientId: 'd',
        changes: [valid(0), bad({ at: '2026-11-23T15:06:00' })],
      });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([
        { field: 'changes[1].at', message: 'must carry a UTC offset (Z or ±hh:mm)' },
      ]);
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('accepts a table name of exactly 63 characters', async () => {
      const appId = newApp();
      const table = `t${'a'.repeat(62)}`;
      await push(t, alice, appId, {
        clientId: 'd',
        changes: [{ eventId: 'e-63', table, id: 'x', op: 'insert', data: { a: 1 } }],
      });
      expect((await pullAll(alice, appId, table)).map((c) => c.eventId)).toEqual(['e-63']);
    });

    it('requires a client id in the header or the body', async () => {
      const appId = newApp();
      const res = await rawPush(alice, appId, { changes: [valid(0)] });
      expectProblem(res, 400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: expect.stringMatching(/client/i) }),
        ]),
      );
      expect(await pullAll(alice, appId)).toEqual([]);

      // The header alone is enough.
      await rawPush(alice, appId, { changes: [valid(1)] }, { 'X-Client-Id': 'hdr' }).expect(200);
      expect((await pullAll(alice, appId)).map((c) => c.clientId)).toEqual(['hdr']);
    });

    it('answers 413 for more than 5,000 changes and writes none of them', async () => {
      const appId = newApp();
      const changes = Array.from({ length: 5001 }, (_, i) => insert(`m${i}`, { n: i }));
      const res = await rawPush(alice, appId, { clientId: 'd', changes });
      expectProblem(res, 413);
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('accepts exactly 5,000 changes', async () => {
      const appId = newApp();
      const changes = Array.from({ length: 5000 }, (_, i) =>
        insert(`m${String(i).padStart(4, '0')}`, { n: i }),
      );
      await rawPush(alice, appId, { clientId: 'd', changes }).expect(200);
      expect(await pullAll(alice, appId)).toHaveLength(5000);
    });

    it('accepts a body above the default 1 MiB limit', async () => {
      const appId = newApp();
      const blob = 'y'.repeat(2 * 1024 * 1024);
      await rawPush(alice, appId, {
        clientId: 'd',
        changes: [insert('big', { blob })],
      }).expect(200);
      const [change] = await pullAll(alice, appId);
      expect((change.data as { blob: string }).blob).toHaveLength(blob.length);
    });

    it('answers 413 for a body over 10 MiB and writes nothing', async () => {
      const appId = newApp();
      const body = JSON.stringify({
        clientId: 'd',
        changes: [valid(0), insert('huge', { blob: 'z'.repeat(10 * 1024 * 1024 + 1024) })],
      });
      let res: request.Response;
      try {
        res = await request(t.url)
          .post(`/sync/${appId}`)
          .set(bearer(alice))
          .set('content-type', 'application/json')
          .send(body);
      } catch (err) {
        // A server may cut the upload short after answering; the answer must still be a 413.
        const e = err as { response?: request.Response };
        if (!e.response) throw err;
        res = e.response;
      }
      expectProblem(res, 413);
      expect(await pullAll(alice, appId)).toEqual([]);
    });
  });

  describe('idempotent retries', () => {
    it('answers a retried changeset byte for byte and records it once', async () => {
      const appId = newApp();
      const body = {
        clientId: 'device-a',
        changes: [
          insert('c1', { title: 'A' }, { eventId: 'r-1', at: ago(5 * MIN) }),
          update('c1', { title: { value: 'B', at: ago(4 * MIN) } }, { eventId: 'r-2' }),
        ],
      };
      const first = await rawPush(alice, appId, body).expect(200);
      // Another client writes in between: the retry still answers what the first push answered.
      await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [insert('c2', { title: 'other' }, { at: ago(3 * MIN) })],
      });
      const second = await rawPush(alice, appId, body).expect(200);
      expect(second.text).toBe(first.text);

      const changes = await pullAll(alice, appId);
      expect(changes.map((c) => c.eventId)).toEqual(['r-1', 'r-2', expect.any(String)]);
      expect((await record(appId, 'c1'))?.fields.title.value).toBe('B');
    });

    it('skips already recorded events in a mixed push and applies the new ones', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'd',
        changes: [insert('c1', { title: 'first' }, { eventId: 'm-1', at: ago(5 * MIN) })],
      });
      const again = await push(t, alice, appId, {
        clientId: 'd',
        changes: [
          // same eventId, different content: the first recording stands
          insert('c1', { title: 'second' }, { eventId: 'm-1', at: ago(4 * MIN) }),
          insert('c2', { title: 'new' }, { eventId: 'm-2', at: ago(4 * MIN) }),
        ],
      });
      expect(again.conflicts).toEqual([]);
      const changes = await pullAll(alice, appId);
      expect(changes.map((c) => c.eventId)).toEqual(['m-1', 'm-2']);
      expect(changes[0].data).toEqual({ title: 'first' });
      expect((await record(appId, 'c1'))?.fields.title.value).toBe('first');
      expect((await record(appId, 'c2'))?.fields.title.value).toBe('new');
    });
  });

  describe('schema versions', () => {
    it('treats a missing schemaVersion as 1', async () => {
      const appId = newApp();
      await push(t, alice, appId, { clientId: 'd', changes: [insert('c1', { a: 1 })] });
      expect((await pullAll(alice, appId))[0].schemaVersion).toBe(1);
    });

    it('rejects a schemaVersion above SYNC_MAX_SCHEMA_VERSION naming both numbers, writing nothing', async () => {
      const appId = newApp();
      const res = await rawPush(alice, appId, {
        clientId: 'd',
        schemaVersion: 4,
        changes: [insert('c1', { a: 1 })],
      });
      expectProblem(res, 400);
      expect(res.body.detail).toMatch(/\b4\b/);
      expect(res.body.detail).toMatch(/\b3\b/);
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('accepts the maximum schemaVersion', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'd',
        schemaVersion: 3,
        changes: [insert('c1', { a: 1 })],
      });
      expect((await pullAll(alice, appId))[0].schemaVersion).toBe(3);
    });

    it('keeps each change’s own schemaVersion and falls back to the changeset’s', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'd',
        schemaVersion: 2,
        changes: [
          insert('c1', { a: 1 }, { eventId: 's-1' }),
          insert('c2', { a: 2 }, { eventId: 's-2', schemaVersion: 3 }),
          insert('c3', { a: 3 }, { eventId: 's-3', schemaVersion: 1 }),
        ],
      });
      const changes = await pullAll(alice, appId);
      expect(changes.map((c) => [c.eventId, c.schemaVersion])).toEqual([
        ['s-1', 2],
        ['s-2', 3],
        ['s-3', 1],
      ]);
    });
  });

  describe('pull', () => {
    it('pages 25 changes with limit 10 into 10, 10 and 5 without a gap or a repeat', async () => {
      const appId = newApp();
      const changes = Array.from({ length: 25 }, (_, i) =>
        insert(
          `c${String(i).padStart(2, '0')}`,
          { i },
          { eventId: `p-${String(i).padStart(2, '0')}` },
        ),
      );
      await push(t, alice, appId, { clientId: 'd', changes });

      const pages: { ids: string[]; hasMore: boolean }[] = [];
      let since: string | undefined;
      for (let i = 0; i < 3; i++) {
        const res = await rawPull(alice, appId, { collection: 'cards', since, limit: 10 }).expect(
          200,
        );
        pages.push({
          ids: res.body.changes.map((c: WireChange) => c.eventId),
          hasMore: res.body.hasMore,
        });
        expect(typeof res.body.syncedUntil).toBe('string');
        since = res.body.syncedUntil;
      }
      expect(pages.map((p) => [p.ids.length, p.hasMore])).toEqual([
        [10, true],
        [10, true],
        [5, false],
      ]);
      expect(pages.flatMap((p) => p.ids)).toEqual(changes.map((c) => c.eventId));

      // Caught up: nothing more, until something new is written.
      const empty = await rawPull(alice, appId, { collection: 'cards', since }).expect(200);
      expect(empty.body).toMatchObject({ changes: [], hasMore: false });
      await push(t, alice, appId, {
        clientId: 'd',
        changes: [insert('late', { i: 99 }, { eventId: 'p-late' })],
      });
      const late = await rawPull(alice, appId, {
        collection: 'cards',
        since: empty.body.syncedUntil,
      }).expect(200);
      expect(late.body.changes.map((c: WireChange) => c.eventId)).toEqual(['p-late']);
    });

    it('returns only the requested collection', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'd',
        changes: [
          insert('c1', { a: 1 }),
          { eventId: 'l-1', table: 'lists', id: 'l1', op: 'insert', data: { name: 'L' } },
        ],
      });
      expect((await pullAll(alice, appId, 'lists')).map((c) => c.eventId)).toEqual(['l-1']);
      expect((await pullAll(alice, appId, 'cards')).map((c) => c.id)).toEqual(['c1']);
    });

    it('requires a collection', async () => {
      const res = await rawPull(alice, newApp(), {});
      expectProblem(res, 400);
    });

    it('rejects a garbage cursor on pull and push with invalid-cursor, writing nothing', async () => {
      const appId = newApp();
      const pullRes = await rawPull(alice, appId, { collection: 'cards', since: 'not-a-cursor' });
      expectProblem(pullRes, 400);
      expect(pullRes.body.type).toMatch(/invalid-cursor$/);

      const pushRes = await rawPush(alice, appId, {
        clientId: 'd',
        since: 'not-a-cursor',
        changes: [insert('c1', { a: 1 })],
      });
      expectProblem(pushRes, 400);
      expect(pushRes.body.type).toMatch(/invalid-cursor$/);
      expect(await pullAll(alice, appId)).toEqual([]);
    });

    it('rejects a cursor from another app', async () => {
      const appA = newApp();
      const appB = newApp();
      const a = await push(t, alice, appA, { clientId: 'd', changes: [insert('c1', { a: 1 })] });
      await push(t, alice, appB, { clientId: 'd', changes: [insert('c1', { a: 1 })] });
      const res = await rawPull(alice, appB, { collection: 'cards', since: a.syncedUntil });
      expectProblem(res, 400);
      expect(res.body.type).toMatch(/invalid-cursor$/);
    });
  });

  describe('field-level last-write-wins on the server', () => {
    it('keeps the newer field, reports the older one with the winning value, and logs only what took effect', async () => {
      const appId = newApp();
      const t0 = ago(10 * MIN);
      const t1 = ago(9 * MIN);
      const t2 = ago(8 * MIN);
      await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [insert('c1', { title: 'A', note: 'n0' }, { at: t0 })],
      });
      await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [update('c1', { title: { value: 'C', at: t2 } }, { eventId: 'win' })],
      });
      const late = await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [
          update(
            'c1',
            { title: { value: 'B', at: t1 }, note: { value: 'n1', at: t1 } },
            { eventId: 'half' },
          ),
        ],
      });
      expect(late.conflicts).toHaveLength(1);
      expect(late.conflicts[0]).toMatchObject({
        eventId: 'half',
        table: 'cards',
        id: 'c1',
        field: 'title',
        reason: 'older',
        value: 'C',
      });
      expect(new Date(late.conflicts[0].at as string).getTime()).toBe(new Date(t2).getTime());

      const rec = await record(appId, 'c1');
      expect(rec?.fields.title.value).toBe('C');
      expect(rec?.fields.note.value).toBe('n1');
      // The half-applied update is logged with its winning field only.
      const logged = (await pullAll(alice, appId)).find((c) => c.eventId === 'half');
      expect(logged?.fields).toEqual({ note: { value: 'n1', at: t1 } });
    });

    it('does not log a change that lost entirely', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [insert('c1', { title: 'new' }, { at: ago(MIN) })],
      });
      const lost = await push(t, alice, appId, {
        clientId: 'b',
        changes: [update('c1', { title: { value: 'old', at: ago(5 * MIN) } }, { eventId: 'lost' })],
      });
      expect(lost.conflicts).toEqual([
        expect.objectContaining({ eventId: 'lost', field: 'title', reason: 'older', value: 'new' }),
      ]);
      expect((await pullAll(alice, appId)).map((c) => c.eventId)).not.toContain('lost');
    });

    it('compares `at` as an instant, not as a string', async () => {
      const appId = newApp();
      const utc = ago(20 * MIN);
      // 10 minutes earlier, written with +02:00 so that it sorts later as a string
      const earlierWithOffset = withPlus2(ago(30 * MIN));
      expect(earlierWithOffset > utc).toBe(true);
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [
          insert('c1', { title: 'start' }, { at: ago(60 * MIN) }),
          update('c1', { title: { value: 'utc', at: utc } }),
        ],
      });
      const res = await push(t, alice, appId, {
        clientId: 'b',
        changes: [update('c1', { title: { value: 'offset', at: earlierWithOffset } })],
      });
      expect(res.conflicts).toEqual([
        expect.objectContaining({ field: 'title', reason: 'older', value: 'utc' }),
      ]);
      expect((await record(appId, 'c1'))?.fields.title.value).toBe('utc');
    });

    it('breaks a tie on `at` by clientId, whatever the arrival order', async () => {
      const appId = newApp();
      const t0 = ago(10 * MIN);
      const tie = ago(5 * MIN);
      await push(t, alice, appId, {
        clientId: 'setup',
        changes: [insert('x', { title: '0' }, { at: t0 }), insert('y', { title: '0' }, { at: t0 })],
      });
      // x: device-a first, then device-b
      await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [update('x', { title: { value: 'from-a', at: tie } })],
      });
      const bOnX = await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [update('x', { title: { value: 'from-b', at: tie } })],
      });
      expect(bOnX.conflicts).toEqual([]);
      // y: device-b first, then device-a
      await push(t, alice, appId, {
        clientId: 'device-b',
        changes: [update('y', { title: { value: 'from-b', at: tie } })],
      });
      const aOnY = await push(t, alice, appId, {
        clientId: 'device-a',
        changes: [update('y', { title: { value: 'from-a', at: tie } })],
      });
      expect(aOnY.conflicts).toEqual([
        expect.objectContaining({ id: 'y', field: 'title', reason: 'older', value: 'from-b' }),
      ]);
      expect((await record(appId, 'x'))?.fields.title.value).toBe('from-b');
      expect((await record(appId, 'y'))?.fields.title.value).toBe('from-b');
    });

    it('breaks a tie on `at` and clientId by eventId', async () => {
      const appId = newApp();
      const tie = ago(5 * MIN);
      await push(t, alice, appId, {
        clientId: 'dev',
        changes: [insert('x', { title: '0' }, { at: ago(10 * MIN) })],
      });
      await push(t, alice, appId, {
        clientId: 'dev',
        changes: [update('x', { title: { value: 'b', at: tie } }, { eventId: 'tie-b' })],
      });
      const res = await push(t, alice, appId, {
        clientId: 'dev',
        changes: [update('x', { title: { value: 'a', at: tie } }, { eventId: 'tie-a' })],
      });
      expect(res.conflicts).toEqual([
        expect.objectContaining({ eventId: 'tie-a', reason: 'older', value: 'b' }),
      ]);
      expect((await record(appId, 'x'))?.fields.title.value).toBe('b');
    });

    it('reports an update after a delete as `deleted` and does not resurrect; a later insert does', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [insert('c1', { title: 'A', note: 'old note' }, { at: ago(10 * MIN) })],
      });
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [del('c1', ago(8 * MIN), { eventId: 'the-delete' })],
      });
      const upd = await push(t, alice, appId, {
        clientId: 'b',
        changes: [
          update('c1', { title: { value: 'zombie', at: ago(6 * MIN) } }, { eventId: 'zombie' }),
        ],
      });
      expect(upd.conflicts).toEqual([
        expect.objectContaining({ eventId: 'zombie', id: 'c1', field: 'title', reason: 'deleted' }),
      ]);
      let rec = await record(appId, 'c1');
      expect(rec).toMatchObject({ deleted: true, deletedAt: expect.any(String) });
      expect((await pullAll(alice, appId)).map((c) => c.eventId)).not.toContain('zombie');

      // An insert older than the delete does not bring it back either.
      await push(t, alice, appId, {
        clientId: 'b',
        changes: [insert('c1', { title: 'stale' }, { at: ago(9 * MIN) })],
      });
      expect((await record(appId, 'c1'))?.deleted).toBe(true);

      // An insert after the delete does, without the fields of the deleted record.
      await push(t, alice, appId, {
        clientId: 'b',
        changes: [insert('c1', { title: 'reborn' }, { at: ago(4 * MIN), eventId: 'reborn' })],
      });
      rec = await record(appId, 'c1');
      expect(rec).toMatchObject({ deleted: false });
      expect(rec?.fields.title.value).toBe('reborn');
      expect(rec?.fields.note).toBeUndefined();
      expect((await pullAll(alice, appId)).map((c) => c.eventId)).toContain('reborn');
    });

    it('keeps the later of two delete times', async () => {
      const appId = newApp();
      const later = ago(5 * MIN);
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [insert('c1', { title: 'A' }, { at: ago(10 * MIN) }), del('c1', later)],
      });
      await push(t, alice, appId, { clientId: 'b', changes: [del('c1', ago(7 * MIN))] });
      const rec = await record(appId, 'c1');
      expect(rec?.deleted).toBe(true);
      expect(new Date(rec!.deletedAt!).getTime()).toBe(new Date(later).getTime());
    });

    it('clamps an `at` one hour in the future to server time and reports it', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [insert('c1', { title: 'A' }, { at: ago(10 * MIN) })],
      });
      const future = new Date(Date.now() + 60 * MIN).toISOString();
      const before = Date.now();
      const res = await push(t, alice, appId, {
        clientId: 'a',
        changes: [update('c1', { title: { value: 'future', at: future } }, { eventId: 'fut' })],
      });
      const after = Date.now();
      expect(res.clamped).toEqual([
        { eventId: 'fut', field: 'title', at: future, clampedTo: expect.any(String) },
      ]);
      const clampedTo = new Date(res.clamped[0].clampedTo as string).getTime();
      expect(clampedTo).toBeGreaterThanOrEqual(before - 2000);
      expect(clampedTo).toBeLessThanOrEqual(after + 2000);

      const logged = (await pullAll(alice, appId)).find((c) => c.eventId === 'fut');
      expect(new Date(logged!.fields!.title.at).getTime()).toBe(clampedTo);

      // The future device does not win forever: a slightly later honest edit beats it.
      const honest = await push(t, alice, appId, {
        clientId: 'b',
        changes: [
          update('c1', {
            title: { value: 'honest', at: new Date(clampedTo + 2000).toISOString() },
          }),
        ],
      });
      expect(honest.conflicts).toEqual([]);
      expect(honest.clamped).toEqual([]);
      expect((await record(appId, 'c1'))?.fields.title.value).toBe('honest');
    });
  });

  describe('snapshot', () => {
    it('pages the current state by record id, tombstones included', async () => {
      const appId = newApp();
      await push(t, alice, appId, {
        clientId: 'a',
        changes: [
          insert('r5', { n: 5 }, { at: ago(10 * MIN) }),
          insert('r3', { n: 3 }, { at: ago(10 * MIN) }),
          insert('r1', { n: 1 }, { at: ago(10 * MIN) }),
          insert('r4', { n: 4 }, { at: ago(10 * MIN) }),
          insert('r2', { n: 2 }, { at: ago(10 * MIN) }),
          update('r2', { n: { value: 22, at: ago(9 * MIN) } }),
          del('r3', ago(8 * MIN)),
        ],
      });
      const first = await request(t.url)
        .get(`/sync/${appId}/snapshot`)
        .query({ collection: 'cards', limit: 2 })
        .set(bearer(alice))
        .expect(200);
      expect(first.body).toMatchObject({
        hasMore: true,
        next: expect.any(String),
        syncedUntil: expect.any(String),
      });
      const { records, pages } = await snapshotAll(alice, appId, 'cards', 2);
      expect(pages).toBe(3);
      expect(records.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
      const byId = Object.fromEntries(records.map((r) => [r.id, r]));
      expect(byId.r2).toMatchObject({
        table: 'cards',
        spaceId: null,
        ownerId: 'alice',
        deleted: false,
        deletedAt: null,
        fields: { n: { value: 22, clientId: 'a', eventId: expect.any(String) } },
      });
      expect(byId.r3).toMatchObject({ deleted: true, deletedAt: expect.any(String) });
      expect(byId.r1.fields.n.value).toBe(1);

      // The first page's syncedUntil is a cursor pull accepts.
      await rawPull(alice, appId, { collection: 'cards', since: first.body.syncedUntil }).expect(
        200,
      );
    });
  });

  describe('publishing to the event bus', () => {
    it('keeps an app’s settings: none before the first PUT, tables sorted once each, a PUT replaces them', async () => {
      const appId = newApp();
      const settings = () =>
        request(t.url).get(`/sync/apps/${appId}/settings`).set(bearer(t.adminToken)).expect(200);
      const put = (publishTables: string[]) =>
        request(t.url)
          .put(`/sync/apps/${appId}/settings`)
          .set(bearer(t.adminToken))
          .send({ publishTables })
          .expect(200);
      expect((await settings()).body).toEqual({ appId, publishTables: [], manaSyncPull: false });
      expect((await put(['lists', 'cards', 'lists'])).body).toEqual({
        appId,
        publishTables: ['cards', 'lists'],
        manaSyncPull: false,
      });
      expect((await settings()).body).toEqual({
        appId,
        publishTables: ['cards', 'lists'],
        manaSyncPull: false,
      });
      expect((await put(['tags'])).body).toEqual({
        appId,
        publishTables: ['tags'],
        manaSyncPull: false,
      });
      expect((await settings()).body).toEqual({
        appId,
        publishTables: ['tags'],
        manaSyncPull: false,
      });
      await put([]);
      expect((await settings()).body).toEqual({ appId, publishTables: [], manaSyncPull: false });
    });

    it('publishes accepted changes of opted-in tables as sync.<table>.<op> and nothing for other tables', async () => {
      const appId = newApp();
      await request(t.url)
        .put(`/sync/apps/${appId}/settings`)
        .set(bearer(alice))
        .send({ publishTables: ['cards'] })
        .expect(403);
      await request(t.url)
        .put(`/sync/apps/${appId}/settings`)
        .set(bearer(t.adminToken))
        .send({ publishTables: ['cards'] })
        .expect((res) => expect(res.status).toBeLessThan(300));
      const settings = await request(t.url)
        .get(`/sync/apps/${appId}/settings`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect(settings.body).toMatchObject({ publishTables: ['cards'] });

      const cardId = `card-${appId}`;
      const listId = `list-${appId}`;
      await push(t, alice, appId, {
        clientId: 'd',
        changes: [
          insert(cardId, { title: 'published' }, { eventId: `pub-${appId}` }),
          { eventId: `nopub-${appId}`, table: 'lists', id: listId, op: 'insert', data: { x: 1 } },
        ],
      });
      const events = await request(t.url)
        .get('/events')
        .query({ type: 'sync.*' })
        .set(bearer(t.adminToken))
        .expect(200);
      const mine = events.body.data.filter(
        (e: { subject: string }) =>
          e.subject === `cards/${cardId}` || e.subject === `lists/${listId}`,
      );
      expect(mine).toEqual([
        expect.objectContaining({
          type: 'sync.cards.insert',
          subject: `cards/${cardId}`,
          origin: 'sync',
          data: expect.objectContaining({
            eventId: `pub-${appId}`,
            table: 'cards',
            id: cardId,
            op: 'insert',
            data: { title: 'published' },
            userId: 'alice',
            clientId: 'd',
          }),
        }),
      ]);
    });

    it('publishes nothing for an app that did not opt in', async () => {
      const appId = newApp();
      const cardId = `card-${appId}`;
      await push(t, alice, appId, { clientId: 'd', changes: [insert(cardId, { a: 1 })] });
      const events = await request(t.url)
        .get('/events')
        .query({ type: 'sync.*' })
        .set(bearer(t.adminToken))
        .expect(200);
      expect(
        events.body.data.filter((e: { subject: string }) => e.subject === `cards/${cardId}`),
      ).toEqual([]);
    });
  });
});
