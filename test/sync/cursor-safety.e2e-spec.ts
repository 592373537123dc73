import pg from 'pg';
import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { push, SYNC_TEST_ENV, userToken, WireChange } from './helpers.js';
import { instant, mulberry32, randomInt, Rng, seededUuid } from './sim-client.js';

/**
 * Cursor safety (docs/sync-protocol.md, "Cursors"): a client that keeps its cursor receives
 * every change exactly once, however the writing transactions interleave and commit.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PullPage {
  changes: WireChange[];
  hasMore: boolean;
  syncedUntil: string;
}

async function pullPage(
  t: TestApp,
  token: string,
  appId: string,
  query: { collection: string; since?: string; limit?: number },
  clientId = 'reader',
): Promise<PullPage> {
  const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  const res = await request(t.url)
    .get(`/sync/${appId}/pull`)
    .query(q)
    .set(bearer(token))
    .set('X-Client-Id', clientId);
  if (res.status !== 200) throw new Error(`pull answered ${res.status} ${res.text}`);
  return res.body as PullPage;
}

/** Pulls until the server has nothing more; returns what came and the last cursor. */
async function pullToEnd(
  t: TestApp,
  token: string,
  appId: string,
  collection: string,
  since?: string,
): Promise<{ changes: WireChange[]; cursor: string }> {
  const changes: WireChange[] = [];
  let cursor = since;
  for (;;) {
    const page = await pullPage(t, token, appId, { collection, since: cursor });
    changes.push(...page.changes);
    cursor = page.syncedUntil;
    if (!page.hasMore) return { changes, cursor };
  }
}

function inserts(
  rng: Rng,
  n: number,
  data: Record<string, unknown>,
  spaceId?: string,
): WireChange[] {
  return Array.from({ length: n }, (_, k) => ({
    eventId: seededUuid(rng),
    table: 'items',
    id: seededUuid(rng),
    op: 'insert' as const,
    data: { ...data, k },
    at: new Date().toISOString(),
    ...(spaceId ? { spaceId } : {}),
  }));
}

function countIds(changes: WireChange[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.eventId, (counts.get(c.eventId) ?? 0) + 1);
  return counts;
}

/** Every pushed change delivered once, nothing else delivered. */
function exactlyOnce(received: WireChange[], expected: Iterable<string>) {
  const counts = countIds(received);
  const want = new Set(expected);
  return {
    missing: [...want].filter((id) => !counts.has(id)),
    repeated: [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`),
    unexpected: [...counts.keys()].filter((id) => !want.has(id)),
  };
}

describe('Sync cursors', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    alice = await userToken(t, 'alice');
    bob = await userToken(t, 'bob');
  });
  afterAll(() => t.close());

  it('gives a reader pulling in a tight loop every change exactly once while 8 clients push in parallel', async () => {
    const appId = 'cursor-race';
    const rng = mulberry32(20261123);
    const space = await request(t.url)
      .post(`/sync/${appId}/spaces`)
      .set(bearer(alice))
      .send({ name: 'race' })
      .expect(201);
    const spaceId: string = space.body.id ?? space.body.spaceId;
    await request(t.url)
      .post(`/sync/${appId}/spaces/${spaceId}/members`)
      .set(bearer(alice))
      .send({ userId: 'bob' })
      .expect((res) => expect(res.status).toBeLessThan(300));

    const writers = 8;
    const pushesPerWriter = 50;
    const pushed = new Map<string, WireChange & { clientId: string; userId: string }>();
    let writing = true;
    let pullsWhileWriting = 0;

    // The reader: alice, who sees her private records and the space bob writes into.
    const reader = (async () => {
      const got: WireChange[] = [];
      let cursor: string | undefined;
      let deadline = Infinity;
      for (;;) {
        const finished = !writing; // sampled before the pull: later commits are not awaited
        const page = await pullPage(t, alice, appId, {
          collection: 'items',
          since: cursor,
          limit: randomInt(rng, 1, 400),
        });
        got.push(...page.changes);
        cursor = page.syncedUntil;
        if (!finished) {
          pullsWhileWriting++;
          continue;
        }
        if (deadline === Infinity) deadline = Date.now() + 20_000;
        if ((!page.hasMore && got.length >= pushed.size) || Date.now() > deadline) break;
        if (!page.hasMore) await sleep(20);
      }
      // Anything delivered late would be a repeat.
      await sleep(300);
      got.push(...(await pullToEnd(t, alice, appId, 'items', cursor)).changes);
      return got;
    })();

    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const wr = mulberry32(1000 + w);
        const inSpace = w >= writers / 2;
        const clientId = `writer-${w}`;
        let since: string | undefined;
        for (let i = 0; i < pushesPerWriter; i++) {
          // Mostly 1-20 changes; now and then a large changeset whose transaction runs longer.
          const n = wr() < 0.06 ? randomInt(wr, 150, 300) : randomInt(wr, 1, 20);
          const changes = inserts(wr, n, { w, i }, inSpace ? spaceId : undefined);
          const answer = await push(t, inSpace ? bob : alice, appId, {
            clientId,
            ...(since ? { since } : {}),
            changes,
          });
          since = answer.syncedUntil;
          for (const c of changes)
            pushed.set(c.eventId, { ...c, clientId, userId: inSpace ? 'bob' : 'alice' });
        }
      }),
    );
    writing = false;
    const got = await reader;

    expect(pullsWhileWriting).toBeGreaterThan(20); // the reader really raced the writers
    const result = exactlyOnce(got, pushed.keys());
    expect({
      missing: result.missing.length,
      repeated: result.repeated.slice(0, 10),
      unexpected: result.unexpected.slice(0, 10),
    }).toEqual({ missing: 0, repeated: [], unexpected: [] });
    expect(got).toHaveLength(pushed.size);

    // What comes out matches what went in.
    for (const c of got) {
      const sent = pushed.get(c.eventId)!;
      expect({
        table: c.table,
        id: c.id,
        op: c.op,
        data: c.data,
        at: instant(c.at!),
        spaceId: c.spaceId ?? null,
        clientId: c.clientId,
        userId: c.userId,
      }).toEqual({
        table: sent.table,
        id: sent.id,
        op: 'insert',
        data: sent.data,
        at: instant(sent.at!),
        spaceId: sent.spaceId ?? null,
        clientId: sent.clientId,
        userId: sent.userId,
      });
    }
  });

  /*
   * Why the held transaction works without knowing the server's internals: the doc says cursors
   * are positions "(the writing transaction's id and a sequence)" and that "a reader is never
   * given a cursor past a change that a still-open transaction could commit below it". Any
   * transaction that has an xid counts: `SELECT txid_current()` assigns one (a BEGIN alone, or a
   * temp table, does not), and the server cannot tell that this transaction will never write a
   * change. While it is open, PostgreSQL's snapshot xmin (`pg_snapshot_xmin`) stays at or below
   * its xid, so every push that starts afterwards has a larger xid and sits above the position
   * the open transaction could still commit at. A correct server therefore holds those changes
   * back (and keeps handing out cursors below them) until the transaction ends; a server that
   * advanced its cursor by commit order or time would hand them out, and would skip a real
   * writer that committed late. After COMMIT, pulling on from the held-back cursor must deliver
   * them, each once.
   */
  it('holds back changes committed after a still-open transaction began and delivers them once it ends', async () => {
    const appId = 'cursor-hold';
    const rng = mulberry32(42);
    const start = await pullToEnd(t, alice, appId, 'items');
    expect(start.changes).toEqual([]);
    let cursor = start.cursor;

    const before = inserts(rng, 5, { phase: 'before' });
    await push(t, alice, appId, { clientId: 'writer-a', changes: before });

    const held = new pg.Client({ connectionString: t.databaseUrl });
    await held.connect();
    let open = false;
    try {
      await held.query('BEGIN');
      open = true;
      const { rows } = await held.query('SELECT txid_current()::text AS xid');
      expect(rows[0].xid).toMatch(/^\d+$/);

      const during: WireChange[] = [];
      for (let i = 0; i < 4; i++) {
        const batch = inserts(rng, 5, { phase: 'during', i });
        await push(t, alice, appId, { clientId: 'writer-b', changes: batch });
        during.push(...batch);
      }
      const duringIds = new Set(during.map((c) => c.eventId));

      // Another client's push answer obeys the same rule.
      const probe = inserts(rng, 1, { phase: 'probe' });
      const other = await push(t, alice, appId, {
        clientId: 'writer-c',
        since: start.cursor,
        changes: probe,
      });
      expect(other.serverChanges.filter((c) => duringIds.has(c.eventId))).toEqual([]);

      // Poll for a while: what committed before the transaction began arrives, nothing after.
      const seen: WireChange[] = [];
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const page = await pullPage(t, alice, appId, { collection: 'items', since: cursor });
        seen.push(...page.changes);
        cursor = page.syncedUntil;
        await sleep(50);
      }
      expect(seen.filter((c) => duringIds.has(c.eventId)).map((c) => c.eventId)).toEqual([]);
      expect(
        exactlyOnce(
          seen,
          before.map((c) => c.eventId),
        ).missing,
      ).toEqual([]);

      await held.query('COMMIT');
      open = false;

      // From the cursor handed out while it was open, the held-back changes now arrive, once.
      const heldBack = [...during, ...probe];
      await waitFor(
        async () => {
          const page = await pullToEnd(t, alice, appId, 'items', cursor);
          seen.push(...page.changes);
          cursor = page.cursor;
          return heldBack.every((c) => seen.some((s) => s.eventId === c.eventId));
        },
        10_000,
        'the held-back changes after COMMIT',
      );
      await sleep(200);
      seen.push(...(await pullToEnd(t, alice, appId, 'items', cursor)).changes);
      const result = exactlyOnce(seen, [
        ...before.map((c) => c.eventId),
        ...heldBack.map((c) => c.eventId),
      ]);
      expect(result).toEqual({ missing: [], repeated: [], unexpected: [] });

      // The push path resumes from its held-back cursor too.
      const again = await push(t, alice, appId, {
        clientId: 'writer-c',
        since: other.syncedUntil,
        changes: inserts(rng, 1, { phase: 'probe-2' }),
      });
      const pages = [again.serverChanges];
      if (again.hasMore)
        pages.push((await pullToEnd(t, alice, appId, 'items', again.syncedUntil)).changes);
      const overPush = pages.flat().map((c) => c.eventId);
      expect(during.filter((c) => !overPush.includes(c.eventId))).toEqual([]);
    } finally {
      if (open) await held.query('ROLLBACK').catch(() => undefined);
      await held.end();
    }
  });

  it('records a retried changeset once: the same answer again, and each eventId once in the log', async () => {
    const appId = 'cursor-retry';
    const rng = mulberry32(7);
    const start = await pullToEnd(t, alice, appId, 'items');
    const first = inserts(rng, 10, { phase: 'first' });
    const body = { clientId: 'flaky-phone', since: start.cursor, changes: first };

    const a = await request(t.url).post(`/sync/${appId}`).set(bearer(alice)).send(body);
    // Meanwhile another client writes, so a fresh answer would differ from the first one.
    await push(t, alice, appId, { clientId: 'other', changes: inserts(rng, 3, { by: 'other' }) });
    const b = await request(t.url).post(`/sync/${appId}`).set(bearer(alice)).send(body);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.text).toBe(a.text);

    // Re-sent with new changes; the first recording of a re-sent eventId stands.
    const altered = { ...first[0], data: { ...first[0].data, phase: 'altered' } };
    const extra = inserts(rng, 5, { phase: 'extra' });
    await push(t, alice, appId, {
      clientId: 'flaky-phone',
      since: start.cursor,
      changes: [altered, ...first.slice(1), ...extra],
    });

    const all = [...first, ...extra].map((c) => c.eventId);
    let changes: WireChange[] = [];
    await waitFor(
      async () => {
        changes = (await pullToEnd(t, alice, appId, 'items', start.cursor)).changes;
        const ids = new Set(changes.map((c) => c.eventId));
        return all.every((id) => ids.has(id));
      },
      10_000,
      'the recorded changes',
    );
    const mine = changes.filter((c) => c.clientId === 'flaky-phone');
    const result = exactlyOnce(mine, all);
    expect(result).toEqual({ missing: [], repeated: [], unexpected: [] });
    expect(mine.find((c) => c.eventId === first[0].eventId)?.data).toEqual(first[0].data);
  });
});
