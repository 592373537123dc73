import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { SYNC_TEST_ENV, userToken } from './helpers.js';
import { EPOCH, SeedChange, SeedClient, SeedStream } from './seed-client.js';

/** Every test in its own app, so no test reads another's changes. */
const newApp = (label: string) => `seed-${label}-${randomUUID().slice(0, 8)}`;
const now = () => new Date().toISOString();
const insert = (table: string, id: string, data: Record<string, unknown> = {}): SeedChange => ({
  table,
  id,
  op: 'insert',
  data: { title: id, ...data },
});

describe('Sync: a client written for mana-sync (seed 004), unchanged', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let carol: string;
  const streams: SeedStream[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => userToken(t, u)));
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  afterAll(async () => {
    await t?.close();
  });

  const client = (appId: string, token: string, clientId: string, sendHeader = true) =>
    new SeedClient({ baseUrl: t.url, appId, token, clientId, sendHeader });

  /** The app setting that makes pulls answer mana-sync's serverChanges too. */
  async function seedPulls(appId: string, publishTables: string[] = []): Promise<void> {
    await request(t.url)
      .put(`/sync/apps/${appId}/settings`)
      .set(bearer(t.adminToken))
      .send({ publishTables, manaSyncPull: true })
      .expect(200);
  }

  async function stream(c: SeedClient, options: Parameters<SeedClient['stream']>[0] = {}) {
    const s = await c.stream(options);
    streams.push(s);
    expect(s.status).toBe(200);
    return s;
  }

  it('pushes without eventIds, with the client id in the body only, and another device pulls the changes from serverChanges', async () => {
    const appId = newApp('push');
    await seedPulls(appId);
    const phone = client(appId, alice, 'seed-phone', false);
    const laptop = client(appId, alice, 'seed-laptop');

    const first = await phone.push([{ ...insert('tasks', 't1'), actor: { kind: 'user' } }]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ serverChanges: [], conflicts: [] });
    expect(typeof first.body.syncedUntil).toBe('string');
    const at = now();
    expect(
      (
        await phone.push([
          { table: 'tasks', id: 't1', op: 'update', fields: { title: { value: 'B', at } } },
        ])
      ).status,
    ).toBe(200);

    const pulled = await laptop.pull('tasks');
    expect(pulled).toEqual([
      expect.objectContaining({
        table: 'tasks',
        id: 't1',
        op: 'insert',
        data: { title: 't1' },
        actor: { kind: 'user' },
        clientId: 'seed-phone',
        eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
      expect.objectContaining({ op: 'update', fields: { title: { value: 'B', at } } }),
    ]);
    // The seed's web client drops a change whose actor or origin is null: absent ones are left out.
    expect('actor' in pulled[1]).toBe(false);
    expect(pulled.some((c) => 'origin' in c)).toBe(false);
    expect(pulled[0].eventId).not.toBe(pulled[1].eventId);
    // From its cursor the laptop is up to date.
    expect(await laptop.pull('tasks')).toEqual([]);

    // A delete without deletedAt (optional in the seed) happens at server time.
    const before = Date.now();
    expect((await phone.push([{ table: 'tasks', id: 't1', op: 'delete' }])).status).toBe(200);
    const [deleted] = await laptop.pull('tasks');
    expect(deleted).toMatchObject({ op: 'delete', deletedAt: expect.any(String) });
    expect(Date.parse(deleted.deletedAt!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('answers pulls with serverChanges (and conflicts) only for an app that asks for it', async () => {
    const appId = newApp('shape');
    await client(appId, alice, 'a').push([insert('tasks', 't1')]);
    const pullBody = async () =>
      (
        await request(t.url)
          .get(`/sync/${appId}/pull`)
          .query({ collection: 'tasks', since: EPOCH })
          .set(bearer(alice))
          .expect(200)
      ).body;
    const hub = await pullBody();
    expect(hub.changes).toHaveLength(1);
    expect(hub).not.toHaveProperty('serverChanges');

    await seedPulls(appId);
    const seed = await pullBody();
    expect(seed.serverChanges).toEqual(seed.changes);
    expect(seed.changes).toEqual(hub.changes);
    expect(seed.conflicts).toEqual([]);
  });

  it('streams one table per event with table and hasMore; without collections every table; each syncedUntil is exact for its table', async () => {
    const appId = newApp('stream');
    await seedPulls(appId);
    const writer = client(appId, alice, 'seed-writer');
    const reader = client(appId, alice, 'seed-reader');
    await writer.push(
      [insert('cards', 'c1'), insert('lists', 'l1'), insert('cards', 'c2'), insert('notes', 'n1')],
      { since: EPOCH },
    );

    const s = await stream(reader);
    await waitFor(() => s.changes.length >= 4, 10_000, 'the backlog of four changes');
    expect(s.events.map((e) => [e.table, e.changes.map((c) => c.id), e.hasMore])).toEqual([
      ['cards', ['c1'], true],
      ['lists', ['l1'], true],
      ['cards', ['c2'], true],
      ['notes', ['n1'], false],
    ]);
    // Each event moved the cursor of its own table.
    expect(reader.cursor('cards')).toBe(s.events[2].syncedUntil);
    expect(reader.cursor('notes')).toBe(s.events[3].syncedUntil);

    // An event's syncedUntil is where that event ends: from the `lists` event, the later
    // `cards` change is still ahead (no gap) and l1 is behind (no repeat).
    const after = s.events[1].syncedUntil;
    expect((await reader.pull('cards', after)).map((c) => c.id)).toEqual(['c2']);
    expect(await reader.pull('lists', after)).toEqual([]);

    const heartbeats = s.heartbeats;
    await waitFor(() => s.heartbeats > heartbeats, 5000, 'a heartbeat (stream live)');
    await writer.push([insert('lists', 'l2')]);
    await waitFor(() => s.changes.length >= 5, 10_000, 'the live change');
    expect(s.events.at(-1)).toMatchObject({
      table: 'lists',
      changes: [expect.objectContaining({ id: 'l2' })],
      hasMore: false,
    });
    expect(reader.cursor('lists')).toBe(s.events.at(-1)!.syncedUntil);

    // With collections, only those tables.
    const cardsOnly = await stream(reader, { collections: ['cards'], since: EPOCH });
    await waitFor(() => cardsOnly.changes.length >= 2, 10_000, 'the cards backlog');
    expect(cardsOnly.events.map((e) => e.table)).toEqual(['cards']);
    expect(cardsOnly.changes.map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('reads an RFC 3339 since as a position at or before it: a change written before that time but committed after it is still delivered', async () => {
    const appId = newApp('time');
    const otherApp = newApp('witness');
    // The table publishes on the bus, so the push inserts an event after its change-log row:
    // holding the events table keeps the push open after its row was written.
    await seedPulls(appId, ['tasks']);
    const slow = client(appId, alice, 'seed-slow');
    const reader = client(appId, alice, 'seed-reader');
    await slow.push([insert('tasks', 'early')]);

    const lock = new pg.Client({ connectionString: t.databaseUrl });
    const watch = new pg.Client({ connectionString: t.databaseUrl });
    await Promise.all([lock.connect(), watch.connect()]);
    let locked = false;
    try {
      await lock.query('BEGIN');
      locked = true;
      await lock.query('LOCK TABLE events IN SHARE MODE');
      const pending = slow.push([insert('tasks', 'late')]);
      await waitFor(
        async () =>
          (
            await watch.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO events%'`,
            )
          ).rowCount! > 0,
        10_000,
        'the push waiting on the events table',
      );
      // Another push commits meanwhile (another app: any app's rows witness the time).
      expect((await client(otherApp, alice, 'w').push([insert('x', 'w1')])).status).toBe(200);
      const since = now();
      await lock.query('COMMIT');
      locked = false;
      expect((await pending).status).toBe(200);

      // The late change was stamped before `since`: a reader of created_at > since misses it.
      const { rows } = await watch.query(
        `SELECT bool_and(created_at < $1::timestamptz) AS before FROM sync_changes
         WHERE app_id = $2 AND record_id = 'late'`,
        [since, appId],
      );
      expect(rows[0].before).toBe(true);

      expect((await reader.pull('tasks', since)).map((c) => c.id)).toContain('late');
      const s = await stream(reader, { collections: ['tasks'], since });
      await waitFor(() => s.changes.some((c) => c.id === 'late'), 10_000, 'the late change');
      const pushed = await client(appId, alice, 'seed-other').push([insert('tasks', 'x')], {
        since,
      });
      expect((pushed.body.serverChanges as SeedChange[]).map((c) => c.id)).toContain('late');
    } finally {
      if (locked) await lock.query('ROLLBACK');
      await Promise.all([lock.end(), watch.end()]);
    }
  });

  it('takes the epoch as the start of the log and refuses a since that is neither a cursor nor an instant', async () => {
    const appId = newApp('epoch');
    await seedPulls(appId);
    await client(appId, alice, 'a').push([insert('tasks', 't1'), insert('tasks', 't2')]);
    const reader = client(appId, alice, 'b');
    expect((await reader.pull('tasks', EPOCH)).map((c) => c.id)).toEqual(['t1', 't2']);
    expect((await reader.pull('tasks', '1970-01-01T01:00:00.123456789+01:00')).length).toBe(2);

    for (const since of ['2026-02-30T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01']) {
      const res = await request(t.url)
        .get(`/sync/${appId}/pull`)
        .query({ collection: 'tasks', since })
        .set(bearer(alice))
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'since', message: expect.any(String) }]);
    }
  });

  it('reads a change’s space from spaceId, else data.spaceId, else fields.spaceId.value', async () => {
    const appId = newApp('space');
    await seedPulls(appId);
    const createSpace = async (name: string) =>
      (
        await request(t.url)
          .post(`/sync/${appId}/spaces`)
          .set(bearer(alice))
          .send({ name })
          .expect(201)
      ).body.id as string;
    const [team, other] = [await createSpace('team'), await createSpace('other')];
    await request(t.url)
      .post(`/sync/${appId}/spaces/${team}/members`)
      .set(bearer(alice))
      .send({ userId: 'bob' })
      .expect((res) => expect(res.status).toBeLessThan(300));

    const older = client(appId, alice, 'seed-older');
    const at = now();
    expect((await older.push([insert('cards', 'by-data', { spaceId: team })])).status).toBe(200);
    expect(
      (
        await older.push([
          {
            table: 'cards',
            id: 'by-fields',
            op: 'update',
            fields: { spaceId: { value: team, at }, title: { value: 'F', at } },
          },
        ])
      ).status,
    ).toBe(200);
    expect((await older.push([{ ...insert('cards', 'private'), spaceId: '' }])).status).toBe(200);

    const shared = await client(appId, bob, 'seed-bob').pull('cards');
    expect(shared.map((c) => [c.id, c.spaceId])).toEqual([
      ['by-data', team],
      ['by-fields', team],
    ]);

    const refused = async (token: string, change: SeedChange, status: number) => {
      const res = await client(appId, token, 'x').push([change]);
      expect(res.status).toBe(status);
      return (res.body.errors as { field: string }[]).map((e) => e.field);
    };
    expect(await refused(carol, insert('cards', 'c1', { spaceId: team }), 403)).toEqual([
      'changes[0].data.spaceId',
    ]);
    expect(await refused(alice, insert('cards', 'c2', { spaceId: 'team-1' }), 400)).toEqual([
      'changes[0].data.spaceId',
    ]);
    expect(await refused(alice, insert('cards', 'by-data', { spaceId: other }), 409)).toEqual([
      'changes[0].data.spaceId',
    ]);
  });

  it('refuses a schemaVersion above the maximum naming SYNC_MAX_SCHEMA_VERSION', async () => {
    const res = await client(newApp('schema'), alice, 'a').push([insert('tasks', 't1')], {
      schemaVersion: 4,
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('SYNC_MAX_SCHEMA_VERSION');
    expect(res.body.errors).toEqual([
      { field: 'schemaVersion', message: expect.stringContaining('SYNC_MAX_SCHEMA_VERSION') },
    ]);
  });
});
