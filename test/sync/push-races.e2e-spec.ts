import { Client } from 'pg';
import request from 'supertest';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { insertChange, pull, push, SYNC_TEST_ENV, userToken } from './helpers.js';

/**
 * A push inserts its new records in its final statement, without locking them first. These
 * tests make another writer win that race on purpose: a transaction held open on its own
 * connection creates the record (or deletes the space), the push blocks on it, and the
 * test commits it. The push must run again and answer as if it had come second.
 */
describe('Sync push racing another writer of its new records', () => {
  let t: TestApp;
  let db: Client;
  let appSeq = 0;
  const newApp = () => `races-${++appSeq}`;

  beforeAll(async () => {
    t = await startTestApp({ env: SYNC_TEST_ENV });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** Resolves once a push's statement waits on a lock the held transaction has. */
  const pushBlocked = (table: string) =>
    waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
          [`%INSERT INTO ${table}%`],
        );
        return rows[0].n > 0;
      },
      15_000,
      'the push to wait on the held transaction',
    );

  const racedCount = async () => {
    const res = await request(t.url).get('/metrics').set(bearer(t.adminToken)).expect(200);
    const line = (res.text as string)
      .split('\n')
      .find((l) => l.startsWith('sync_pushes_total{outcome="raced"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('runs again when another transaction creates the same new record first, and merges into it', async () => {
    const appId = newApp();
    const alice = await userToken(t, 'alice');
    const before = await racedCount();
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO sync_records (app_id, table_name, record_id, owner_id, space_id)
         VALUES ($1, 'cards', 'c1', 'alice', NULL)`,
        [appId],
      );
      const pushed = request(t.url)
        .post(`/sync/${appId}`)
        .set(bearer(alice))
        .send({ clientId: 'phone', changes: [insertChange('c1', { title: 'from the phone' })] });
      const answer = pushed.then((res) => res);
      await pushBlocked('sync_records');
      await holder.query('COMMIT');
      const res = await answer;
      expect(res.status).toBe(200);
      expect(await racedCount()).toBe(before + 1);
    } finally {
      await holder.end();
    }
    // The second try found the record (created empty by the other writer) and merged into it.
    const { rows } = await db.query(
      `SELECT owner_id, fields->'title'->>'value' AS title FROM sync_records
       WHERE app_id = $1 AND table_name = 'cards' AND record_id = 'c1'`,
      [appId],
    );
    expect(rows).toEqual([{ owner_id: 'alice', title: 'from the phone' }]);
    const other = await pull(t, alice, appId, { collection: 'cards' });
    expect(other.changes.map((c) => [c.id, c.op, c.data?.title])).toEqual([
      ['c1', 'insert', 'from the phone'],
    ]);
  });

  it('refuses a new record whose space was deleted while the push ran, naming the field, and writes nothing', async () => {
    const appId = newApp();
    const alice = await userToken(t, 'alice');
    const space = (
      await request(t.url)
        .post(`/sync/${appId}/spaces`)
        .set(bearer(alice))
        .send({ name: 'team' })
        .expect(201)
    ).body as { id: string };
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    let res: request.Response;
    try {
      await holder.query('BEGIN');
      await holder.query(`DELETE FROM sync_spaces WHERE id = $1`, [space.id]);
      const answer = request(t.url)
        .post(`/sync/${appId}`)
        .set(bearer(alice))
        .send({
          clientId: 'phone',
          changes: [insertChange('c1', { title: 'into the team' }, { spaceId: space.id })],
        })
        .then((r) => r);
      await pushBlocked('sync_records');
      await holder.query('COMMIT');
      res = await answer;
    } finally {
      await holder.end();
    }
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors?.[0]?.field ?? res.body.detail).toContain('changes[0]');
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM sync_records WHERE app_id = $1) AS records,
              (SELECT count(*)::int FROM sync_changes WHERE app_id = $1) AS changes`,
      [appId],
    );
    expect(rows[0]).toEqual({ records: 0, changes: 0 });
  });

  it('claims its eventIds before it locks a record, so a push sharing an eventId cannot deadlock it', async () => {
    const appId = newApp();
    const alice = await userToken(t, 'alice');
    await push(t, alice, appId, { clientId: 'laptop', changes: [insertChange('c1', { n: 1 })] });
    const shared = insertChange('c1', { n: 2 });
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    let res: request.Response;
    try {
      // Another push's claim of the shared eventId, not yet committed.
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO sync_event_ids (app_id, user_id, event_id, push_id) VALUES ($1, 'alice', $2, gen_random_uuid())`,
        [appId, shared.eventId],
      );
      const answer = request(t.url)
        .post(`/sync/${appId}`)
        .set(bearer(alice))
        .send({ clientId: 'phone', changes: [shared] })
        .then((r) => r);
      await pushBlocked('sync_event_ids');
      // The waiting push holds no lock on the record the other push will need next: taking it
      // now does not wait (with the lock first, this would fail, and then deadlock).
      const { rows } = await holder.query(
        `SELECT record_id FROM sync_records WHERE app_id = $1 AND record_id = 'c1' FOR UPDATE NOWAIT`,
        [appId],
      );
      expect(rows).toEqual([{ record_id: 'c1' }]);
      // The other push gives its claim up: this one claims the eventId and applies.
      await holder.query('ROLLBACK');
      res = await answer;
    } finally {
      await holder.end();
    }
    expect(res.status).toBe(200);
    const { rows } = await db.query(
      `SELECT fields->'n'->>'value' AS n FROM sync_records WHERE app_id = $1 AND record_id = 'c1'`,
      [appId],
    );
    expect(rows).toEqual([{ n: '2' }]);
  });

  it('answers every one of eight concurrent first pushes of the same record, with one row and last-write-wins', async () => {
    const appId = newApp();
    const alice = await userToken(t, 'alice');
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        push(t, alice, appId, {
          clientId: `device-${i}`,
          changes: [insertChange('shared', { title: `device ${i}` }, { at: at(i) })],
        }),
      ),
    );
    expect(answers).toHaveLength(8);
    const { rows } = await db.query(
      `SELECT fields->'title'->>'value' AS title FROM sync_records WHERE app_id = $1`,
      [appId],
    );
    expect(rows).toEqual([{ title: 'device 7' }]);
  });
});
