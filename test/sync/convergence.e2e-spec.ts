import pg from 'pg';
import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';
import { SYNC_TEST_ENV, userToken } from './helpers.js';
import {
  diffStates,
  mulberry32,
  pick,
  randomInt,
  RetryMode,
  Rng,
  seededUuid,
  shuffle,
  SimClient,
} from './sim-client.js';

/**
 * Randomized convergence run (docs/sync-protocol.md, "Merging: field-level last-write-wins").
 *
 * Six simulated clients of three users (alice: phone, laptop and a watch whose clock is two
 * hours ahead; bob: phone, laptop; carol: phone) edit two tables, partly in a shared space,
 * going offline and online at random, editing the same hot records (same fields, deletes
 * against updates, revivals), with skewed clocks, `at`s written with UTC offsets, lost push
 * answers and re-sent changesets. Carol joins the space midway, bob leaves it later. Online
 * clients push in parallel, some with large changesets, so their transactions commit out of
 * order. At the end every client reconnects, in random order, and must show exactly what the
 * server snapshot shows its user: same records, same values, same winning stamps.
 *
 * Seeded: `SYNC_SEED=<n>` replays a scenario (the seed is in the failure message). The
 * interleaving of concurrent pushes still depends on timing; the edits do not.
 */

const TABLES = ['cards', 'lists'];
const FIELDS = ['title', 'done', 'n', 'note'];
const ROUNDS = 24;
const JOIN_ROUND = 8;
const LEAVE_ROUND = 16;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class ScenarioError extends Error {}
function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

interface Actor {
  c: SimClient;
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

let counter = 0;
function fullRecord(rng: Rng, author: string): Record<string, unknown> {
  counter++;
  return {
    title: `${author} #${counter}`,
    done: rng() < 0.5,
    n: randomInt(rng, 0, 10_000),
    note: `note ${counter}`,
  };
}

function fieldValue(rng: Rng, field: string, author: string): unknown {
  counter++;
  if (field === 'done') return rng() < 0.5;
  if (field === 'n') return randomInt(rng, 0, 10_000);
  return `${author} ${field} ${counter}`;
}

function randomEdits(rng: Rng, a: Actor, spaceId: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const writable = a.c.writableRecords();
    const spaceOk = a.c.memberOf.has(spaceId);
    if (writable.length < 4 || rng() < 0.18) {
      a.c.insert(rng() < 0.75 ? 'cards' : 'lists', seededUuid(rng), fullRecord(rng, a.c.clientId), {
        spaceId: spaceOk && rng() < 0.6 ? spaceId : null,
      });
      continue;
    }
    // Every client lists records in the same order and favours the first ones: collisions.
    const rec = writable[Math.floor(rng() ** 3 * writable.length)];
    const r = rng();
    if (!SimClient.isAlive(rec)) {
      if (r < 0.5) a.c.insert(rec.table, rec.id, fullRecord(rng, a.c.clientId));
      else a.c.update(rec.table, rec.id, { [pick(rng, FIELDS)]: fieldValue(rng, 'x', 'late') });
    } else if (r < 0.1) {
      a.c.delete(rec.table, rec.id);
    } else {
      const fields = shuffle(rng, FIELDS).slice(0, randomInt(rng, 1, 2));
      a.c.update(
        rec.table,
        rec.id,
        Object.fromEntries(fields.map((f) => [f, fieldValue(rng, f, a.c.clientId)])),
      );
    }
  }
}

/**
 * Several clients write the same field of the same record at the same instant (each in its
 * own UTC offset, so the strings differ), one of them twice: only clientId, then eventId, can
 * decide. The instant is 4.5-4.8 min ahead (under the 5 min clamp, above every skewed clock), so
 * the tie usually survives to the final comparison instead of being overwritten.
 */
function tieBurst(rng: Rng, actors: Actor[], round: number): void {
  const writers = actors.filter((a) => a.c.skewMs < 300_000);
  const a = pick(rng, writers);
  const alive = a.c.writableRecords().filter((r) => SimClient.isAlive(r));
  if (!alive.length) return;
  const rec = alive[Math.floor(rng() ** 2 * alive.length)];
  const others = writers.filter(
    (b) =>
      b !== a &&
      b.c.get(rec.table, rec.id) &&
      (rec.spaceId === null ? b.c.userId === a.c.userId : b.c.memberOf.has(rec.spaceId)),
  );
  if (!others.length) return;
  const field = pick(rng, FIELDS);
  const at = Date.now() + 265_000 + round * 1000;
  for (const b of [a, ...shuffle(rng, others).slice(0, 2)])
    b.c.update(rec.table, rec.id, { [field]: fieldValue(rng, field, b.c.clientId) }, { at });
  a.c.update(rec.table, rec.id, { [field]: fieldValue(rng, field, `${a.c.clientId}*`) }, { at });
}

function bulkInserts(rng: Rng, a: Actor, spaceId: string, count: number): void {
  const inSpace = a.c.memberOf.has(spaceId) && rng() < 0.5;
  const table = pick(rng, TABLES);
  for (let i = 0; i < count; i++)
    a.c.insert(table, seededUuid(rng), fullRecord(rng, a.c.clientId), {
      spaceId: inSpace ? spaceId : null,
    });
}

/**
 * Locks (FOR UPDATE, from a separate connection) one existing record that an actor is about
 * to push, so that push blocks mid-transaction until release().
 */
/** Rounds in which a push was seen waiting on the held lock (commits out of order). */
let blockedRounds = 0;

async function holdOneRecord(
  t: TestApp,
  appId: string,
  candidates: Actor[],
): Promise<{ release: () => Promise<void> } | undefined> {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  const key = (c: { table: string; id: string }) => `${c.table}/${c.id}`;
  for (const actor of candidates) {
    // Only a record no other pusher of this round touches: they must not wait on the lock.
    const others = new Set(
      candidates.filter((o) => o !== actor).flatMap((o) => o.c.outbox.map(key)),
    );
    const keys = actor.c.outbox.filter((c) => !others.has(key(c))).map((c) => [c.table, c.id]);
    if (keys.length === 0) continue;
    const locked = await client.query(
      `SELECT 1 FROM sync_records r JOIN unnest($2::text[], $3::text[]) AS k(t, i)
         ON r.table_name = k.t AND r.record_id = k.i
       WHERE r.app_id = $1 LIMIT 1 FOR UPDATE OF r`,
      [appId, keys.map((k) => k[0]), keys.map((k) => k[1])],
    );
    if (locked.rowCount)
      return {
        release: async () => {
          // Whether a push is really waiting on our lock, mid-transaction.
          const waiting = await client.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          if (waiting.rowCount) blockedRounds++;
          await client.query('COMMIT');
          await client.end();
        },
      };
  }
  await client.query('ROLLBACK');
  await client.end();
  return undefined;
}

async function runScenario(t: TestApp, seed: number): Promise<void> {
  const rng = mulberry32(seed);
  let heldRounds = 0;
  const appId = `conv-${seed.toString(36)}`;
  const tokens = {
    alice: await userToken(t, 'alice'),
    bob: await userToken(t, 'bob'),
    carol: await userToken(t, 'carol'),
  };

  const created = await request(t.url)
    .post(`/sync/${appId}/spaces`)
    .set(bearer(tokens.alice))
    .send({ name: 'shared board' });
  check(created.status === 201, `create space: ${created.status} ${created.text}`);
  const spaceId: string = created.body.id ?? created.body.spaceId;
  check(typeof spaceId === 'string', `create space answered no id: ${created.text}`);
  const addBob = await request(t.url)
    .post(`/sync/${appId}/spaces/${spaceId}/members`)
    .set(bearer(tokens.alice))
    .send({ userId: 'bob' });
  check(addBob.status < 300, `add bob: ${addBob.status} ${addBob.text}`);

  const make = (
    userId: 'alice' | 'bob' | 'carol',
    device: string,
    skewMs: number,
    atOffsetMinutes: number,
    pageLimit: number,
  ) =>
    new SimClient({
      t,
      appId,
      userId,
      token: tokens[userId],
      clientId: `${userId}-${device}`,
      tables: TABLES,
      skewMs,
      atOffsetMinutes,
      pageLimit,
      // Each client draws its own eventIds: a shared stream would repeat them across clients.
      rng: mulberry32(seed ^ hashString(`${userId}-${device}`)),
    });
  const skew = () => randomInt(rng, -240_000, 240_000); // under SYNC_MAX_CLOCK_SKEW: never clamped
  const alicePhone = make('alice', 'phone', skew(), 0, 1000);
  const aliceLaptop = make('alice', 'laptop', skew(), 330, 250); // writes `at` as +05:30
  // The time traveller: two hours ahead, so every push is clamped and it resets from the snapshot.
  const aliceWatch = make('alice', 'watch', 2 * 3600_000, 0, 400);
  const bobPhone = make('bob', 'phone', skew(), -480, 300); // writes `at` as -08:00
  const bobLaptop = make('bob', 'laptop', skew(), 0, 1000);
  const carolPhone = make('carol', 'phone', skew(), 60, 200);
  const actors: Actor[] = [
    { c: alicePhone },
    { c: aliceLaptop },
    { c: aliceWatch },
    { c: bobPhone },
    { c: bobLaptop },
    { c: carolPhone },
  ];
  for (const a of [alicePhone, aliceLaptop, aliceWatch, bobPhone, bobLaptop])
    a.memberOf.add(spaceId);
  // Carol learns of the space only from the `joined` hint.

  // ------------------------------------------------------------------ scripted prelude
  for (const a of actors) await a.c.sync();
  // Explicit times in the prelude (not the skewed clocks), so its expectations are exact.
  const born = Date.now() - 300_000;
  for (let i = 0; i < 5; i++)
    alicePhone.insert('cards', `hot-${i}`, fullRecord(rng, 'alice-phone'), { spaceId, at: born });
  alicePhone.insert('lists', 'hot-list', fullRecord(rng, 'alice-phone'), { spaceId, at: born });
  await alicePhone.sync();
  await Promise.all(actors.map((a) => a.c.sync()));

  const T = Date.now();
  // Two clients, the same field, the same instant: the greater clientId wins.
  alicePhone.update('cards', 'hot-0', { title: 'tie alice' }, { at: T });
  bobPhone.update('cards', 'hot-0', { title: 'tie bob' }, { at: T });
  // One client, the same field twice at the same instant: the greater eventId wins.
  const sameAt1 = aliceLaptop.update('cards', 'hot-0', { note: 'same-at one' }, { at: T });
  const sameAt2 = aliceLaptop.update('cards', 'hot-0', { note: 'same-at two' }, { at: T });
  await Promise.all([alicePhone.pushOutbox(), bobPhone.pushOutbox(), aliceLaptop.pushOutbox()]);

  // `at` compared as an instant: "+05:30" makes the earlier instant the greater string.
  bobLaptop.update('cards', 'hot-1', { note: 'later instant' }, { at: T + 2000 });
  await bobLaptop.pushOutbox();
  aliceLaptop.update('cards', 'hot-1', { note: 'earlier instant' }, { at: T + 1000 });
  await aliceLaptop.pushOutbox();

  // An update after a delete does not bring the record back (even with a later `at`).
  bobLaptop.delete('cards', 'hot-2', { at: T + 3000 });
  await bobLaptop.pushOutbox();
  const tooLate = aliceLaptop.update('cards', 'hot-2', { title: 'too late' }, { at: T + 4000 });
  await aliceLaptop.pushOutbox();

  // An older value loses and is reported; the answer of a retried push is the same answer.
  bobPhone.update('cards', 'hot-3', { done: 'bob wins' }, { at: T + 5000 });
  await bobPhone.pushOutbox({ retry: 'resend-acked' });
  const older = alicePhone.update('cards', 'hot-3', { done: 'alice loses' }, { at: T - 30_000 });
  await alicePhone.pushOutbox({ retry: 'lost-response' });

  // An insert later than the delete revives the record; an earlier one does not. The revival's
  // `at` lies between the delete and the refused update: the refused value must stay out.
  await alicePhone.sync();
  const revival = fullRecord(rng, 'alice-phone');
  alicePhone.insert('cards', 'hot-2', revival, { at: T + 3500 });
  await alicePhone.pushOutbox();
  bobPhone.delete('cards', 'hot-4', { at: T + 20_000 });
  await bobPhone.pushOutbox();
  aliceLaptop.insert('cards', 'hot-4', fullRecord(rng, 'alice-laptop'), { at: T + 15_000 });
  await aliceLaptop.pushOutbox();

  const prelude = (await alicePhone.serverState()).cards;
  check(
    prelude['hot-0']?.fields.title?.value === 'tie bob',
    `same at: clientId "bob-phone" > "alice-phone" must win hot-0.title, server shows ${JSON.stringify(prelude['hot-0'])}`,
  );
  const sameAtWinner = sameAt1.eventId > sameAt2.eventId ? 'same-at one' : 'same-at two';
  check(
    prelude['hot-0']?.fields.note?.value === sameAtWinner,
    `same at and clientId: the greater eventId must win hot-0.note (${sameAtWinner}), server shows ${JSON.stringify(prelude['hot-0']?.fields.note)}`,
  );
  check(
    prelude['hot-1']?.fields.note?.value === 'later instant',
    `at must compare as an instant, not a string: server shows ${JSON.stringify(prelude['hot-1']?.fields.note)}`,
  );
  check(
    prelude['hot-2']?.fields.title?.value === revival.title,
    `a later insert revives hot-2 with its own fields (the update refused after the delete stays out): ${JSON.stringify(prelude['hot-2'])}`,
  );
  check(!prelude['hot-4'], `an insert older than the delete must not revive hot-4`);
  check(
    prelude['hot-3']?.fields.done?.value === 'bob wins',
    `older value must lose: ${JSON.stringify(prelude['hot-3'])}`,
  );
  check(
    aliceLaptop.conflicts.some(
      (c) => c.eventId === tooLate.eventId && c.field === 'title' && c.reason === 'deleted',
    ),
    `an update of a deleted record must be reported as a "deleted" conflict: ${JSON.stringify(aliceLaptop.conflicts)}`,
  );
  check(
    alicePhone.conflicts.some(
      (c) =>
        c.eventId === older.eventId &&
        c.field === 'done' &&
        c.reason === 'older' &&
        c.value === 'bob wins',
    ),
    `an older value must be reported with the winner: ${JSON.stringify(alicePhone.conflicts)}`,
  );

  // ------------------------------------------------------------------ random rounds
  for (let round = 1; round <= ROUNDS; round++) {
    if (round === JOIN_ROUND) {
      // Carol's cursor must be past the space's earlier changes, so only the hint can bring them.
      await carolPhone.sync();
      const res = await request(t.url)
        .post(`/sync/${appId}/spaces/${spaceId}/members`)
        .set(bearer(tokens.alice))
        .send({ userId: 'carol' });
      check(res.status < 300, `add carol: ${res.status} ${res.text}`);
    }
    if (round === LEAVE_ROUND) {
      const res = await request(t.url)
        .delete(`/sync/${appId}/spaces/${spaceId}/members/bob`)
        .set(bearer(tokens.bob));
      check(res.status < 300, `bob leaves: ${res.status} ${res.text}`);
      bobPhone.dropSpace(spaceId); // bob's laptop finds out by itself
    }
    for (const a of actors) a.c.online = rng() > 0.35;
    if (round === LEAVE_ROUND - 1 || round === LEAVE_ROUND) bobLaptop.online = false;
    for (const a of actors) {
      randomEdits(rng, a, spaceId, randomInt(rng, 0, 12));
      if (rng() < 0.08) bulkInserts(rng, a, spaceId, randomInt(rng, 100, 300));
    }
    if (rng() < 0.6) tieBurst(rng, actors, round);
    const plan = shuffle(
      rng,
      actors.filter((a) => a.c.online),
    ).map((a) => {
      const r = rng();
      const retry: RetryMode | undefined =
        r < 0.15 ? 'lost-response' : r < 0.25 ? 'resend-acked' : undefined;
      return { a, jitter: rng() * 30, retry };
    });
    // Sometimes hold one record's row lock from outside, so the push that touches it stays
    // open inside its transaction (it already has its transaction id) while the others
    // commit: its changes then commit out of order, below positions already handed out.
    const held =
      rng() < 0.4
        ? await holdOneRecord(
            t,
            appId,
            plan.map((p) => p.a),
          )
        : undefined;
    const pushes = plan.map(async ({ a, jitter, retry }) => {
      await sleep(jitter);
      await a.c.sync({ retry });
    });
    if (held) {
      // Long enough for the other pushes of the round to commit past it (one that waits on
      // a row the held push already locked just commits later; no one is waited for here).
      await sleep(300);
      await held.release();
    }
    await Promise.all(pushes);
    if (held) heldRounds++;
  }
  check(heldRounds > 0, 'no round held a push transaction open');
  check(blockedRounds > 0, 'no push was ever blocked mid-transaction');

  // ------------------------------------------------------------------ reconnect and compare
  for (const a of actors) a.c.online = true;
  const order = shuffle(rng, actors);
  for (let i = 0; i < order.length; i += 2)
    await Promise.all(order.slice(i, i + 2).map((a) => a.c.sync()));
  for (const a of actors) check(a.c.outbox.length === 0, `${a.c.clientId} still has edits`);

  let diffs: { client: string; count: number; sample: string[] }[];
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (const a of shuffle(rng, actors)) await a.c.pull();
    diffs = [];
    for (const a of actors) {
      const d = diffStates(a.c.visibleState(), await a.c.serverState());
      if (d.count) diffs.push({ client: a.c.clientId, ...d });
    }
    if (!diffs.length || Date.now() > deadline) break;
    await sleep(250);
  }
  check(
    diffs.length === 0,
    `clients differ from the server snapshot of their user:\n${diffs
      .map((d) => `${d.client}: ${d.count} differences\n  ${d.sample.join('\n  ')}`)
      .join('\n')}`,
  );

  // The run exercised what it claims to, and the server kept the documented promises.
  const serverAlice = await alicePhone.serverState();
  const aliveCount = Object.values(serverAlice).reduce(
    (n, recs) => n + Object.keys(recs).length,
    0,
  );
  check(aliveCount > 10, `too few records survived to compare (${aliveCount})`);
  const spaceRecords = (s: Record<string, Record<string, { spaceId: string | null }>>) =>
    Object.values(s).flatMap((recs) => Object.values(recs).filter((r) => r.spaceId === spaceId));
  check(spaceRecords(serverAlice).length > 0, 'no space records to compare');
  for (const bob of [bobPhone, bobLaptop]) {
    check(
      spaceRecords(bob.visibleState()).length === 0,
      `${bob.clientId} still shows space records after bob left`,
    );
    check(
      spaceRecords(await bob.serverState()).length === 0,
      `the snapshot still shows bob the space's records after he left`,
    );
  }
  check(
    carolPhone.resyncHints.some((h) => h.spaceId === spaceId && h.reason === 'joined'),
    `carol's next push or pull after joining must carry resync joined: ${JSON.stringify(carolPhone.resyncHints)}`,
  );
  check(
    spaceRecords(carolPhone.visibleState()).length > 0,
    'carol shows no space records after joining',
  );
  check(
    aliceWatch.clamped.length > 0 && aliceWatch.resets > 0,
    `the watch two hours ahead must have been clamped (clamped ${aliceWatch.clamped.length}, resets ${aliceWatch.resets})`,
  );
  for (const a of actors.filter((x) => x.c !== aliceWatch))
    check(
      a.c.clamped.length === 0,
      `${a.c.clientId} (skew ${a.c.skewMs} ms, under 5 min) was clamped: ${JSON.stringify(a.c.clamped.slice(0, 3))}`,
    );
  const retries = actors.flatMap((a) => a.c.retries);
  check(
    retries.some((r) => r.mode === 'lost-response') &&
      retries.some((r) => r.mode === 'resend-acked'),
    'the run must include both kinds of retries',
  );
  for (const r of retries.filter((x) => x.mode === 'lost-response'))
    check(
      r.sameAnswer && r.firstStatus === 200 && r.retryStatus === 200,
      `a retried push must get the first answer byte for byte: ${JSON.stringify(r)}`,
    );
  const conflicts = actors.flatMap((a) => a.c.conflicts);
  check(
    conflicts.some((c) => c.reason === 'older') && conflicts.some((c) => c.reason === 'deleted'),
    'the run must have produced both kinds of conflicts',
  );
}

describe('Sync convergence (randomized, seeded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
  });
  afterAll(() => t.close());

  it('brings every client to the server snapshot of its user after offline edits, conflicting writes, skewed clocks, retries and membership changes', async () => {
    const seed = process.env.SYNC_SEED
      ? Number(process.env.SYNC_SEED)
      : Math.floor(Math.random() * 2 ** 31);
    try {
      await runScenario(t, seed);
    } catch (err) {
      const detail = err instanceof ScenarioError ? err.message : (err as Error)?.stack;
      throw new Error(`SYNC_SEED=${seed} replays this run.\n${detail ?? String(err)}`, {
        cause: err,
      });
    }
  });
});
