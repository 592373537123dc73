import * as fs from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { prepareTestServer } from '../../src/testing/test-database.js';
import { copyDatabaseRows } from '../support/logical-copy.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { insertChange, push, SYNC_TEST_ENV, userToken, WireChange } from './helpers.js';
import { openSse } from './sse-client.js';

/**
 * Cursors from a restored or another database (docs/sync-protocol.md, "Cursors"; docs/
 * operations.md, "Backup and restore"): a cursor the log did not issue (forged ahead of it, or
 * from the log of another database) is a 410 `reset: true` on every route that takes one,
 * never a 200 that silently skips changes; after the reset, the snapshot brings every change
 * and the cursor it hands out misses nothing written later.
 */

const APP = 'notes';
const b64 = (s: string) => Buffer.from(s).toString('base64url');
/** The log id inside a cursor (format 2: `2|log|app|tx|seq`). */
const logOf = (cursor: string) => Buffer.from(cursor, 'base64url').toString().split('|')[1];
const forged = (log: string, tx: bigint) => b64(`2|${log}|${APP}|${tx}|0`);
const forgedLegacy = (tx: bigint) => b64(`1|${APP}|${tx}|0`);

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const currentXid = async (url: string) =>
  BigInt((await sql<{ x: string }>(url, `SELECT pg_current_xact_id()::text AS x`))[0].x);

/** A stream's first answer: its status and, unless it is a 200 (then closed), its body. */
async function streamAnswer(
  t: TestApp,
  token: string,
  query: string,
  lastEventId?: string,
): Promise<{ status: number; body: { reset?: boolean }; type?: string }> {
  const stream = await openSse(`${t.url}/sync/${APP}/stream?${query}`, { token, lastEventId });
  if (stream.status === 200) {
    stream.close();
    return { status: 200, body: {} };
  }
  await stream.ended;
  return {
    status: stream.status,
    body: JSON.parse(stream.body),
    type: stream.headers['content-type'],
  };
}

/** Every route a client sends a cursor to, each answering that cursor with 410 reset. */
async function expectResetEverywhere(t: TestApp, token: string, cursor: string): Promise<void> {
  const pulled = await request(t.url)
    .get(`/sync/${APP}/pull`)
    .query({ collection: 'cards', since: cursor })
    .set(bearer(token));
  const pushed = await request(t.url)
    .post(`/sync/${APP}`)
    .set(bearer(token))
    .send({ clientId: 'phone', since: cursor, changes: [insertChange('never', { t: 1 })] });
  const answers = [
    { status: pulled.status, body: pulled.body, type: pulled.headers['content-type'] },
    { status: pushed.status, body: pushed.body, type: pushed.headers['content-type'] },
    await streamAnswer(t, token, `collections=cards&since=${cursor}`),
    await streamAnswer(t, token, 'collections=cards', cursor),
  ];
  expect(answers.map((a) => ({ status: a.status, reset: a.body?.reset }))).toEqual(
    Array(4).fill({ status: 410, reset: true }),
  );
  for (const a of answers) expect(a.type).toMatch(/application\/problem\+json/);
}

/** Pulls `cards` from `since` until `wanted` record ids have all come (they may lag the watermark). */
async function pullUntil(
  t: TestApp,
  token: string,
  since: string | undefined,
  wanted: string[],
): Promise<{ ids: string[]; cursor: string }> {
  const seen: WireChange[] = [];
  let cursor = since;
  await waitFor(
    async () => {
      for (;;) {
        const res = await request(t.url)
          .get(`/sync/${APP}/pull`)
          .query({ collection: 'cards', ...(cursor ? { since: cursor } : {}) })
          .set(bearer(token))
          .set('X-Client-Id', 'reader');
        if (res.status !== 200) throw new Error(`pull answered ${res.status} ${res.text}`);
        seen.push(...res.body.changes);
        cursor = res.body.syncedUntil;
        if (!res.body.hasMore) break;
      }
      return wanted.every((id) => seen.some((c) => c.id === id));
    },
    15_000,
    `the pull to bring ${wanted.join(', ')}`,
  );
  return { ids: seen.map((c) => c.id), cursor: cursor! };
}

async function snapshotIds(t: TestApp, token: string): Promise<{ ids: string[]; cursor: string }> {
  const res = await request(t.url)
    .get(`/sync/${APP}/snapshot`)
    .query({ collection: 'cards' })
    .set(bearer(token))
    .expect(200);
  expect(res.body.hasMore).toBe(false);
  return {
    ids: (res.body.records as { id: string }[]).map((r) => r.id).sort(),
    cursor: res.body.syncedUntil,
  };
}

/** Two cards pushed by the phone, and the cursor of a tablet that has pulled both. */
async function seed(t: TestApp, token: string): Promise<string> {
  await push(t, token, APP, {
    clientId: 'phone',
    changes: [insertChange('c1', { title: 'one' }), insertChange('c2', { title: 'two' })],
  });
  return (await pullUntil(t, token, undefined, ['c1', 'c2'])).cursor;
}

describe('sync cursors from a restored or another database', () => {
  it('answers 410 reset to a cursor ahead of the log (forged, or the API docs example), on every route', async () => {
    const t = await startTestApp({ env: SYNC_TEST_ENV });
    try {
      const alice = await userToken(t, 'alice');
      const cursor = await seed(t, alice);
      const future = (await currentXid(t.databaseUrl)) + 1_000_000n;
      // The format before log ids, which the previous build answered with 200.
      await expectResetEverywhere(t, alice, forgedLegacy(future));
      await expectResetEverywhere(t, alice, forged(logOf(cursor), future));
      // Snapshot page tokens hold a position too.
      const token = b64(
        JSON.stringify({
          v: 1,
          app: APP,
          table: 'cards',
          space: '',
          after: '',
          tx: String(future),
          seq: '0',
          log: logOf(cursor),
        }),
      );
      const page = await request(t.url)
        .get(`/sync/${APP}/snapshot`)
        .query({ collection: 'cards', since: token })
        .set(bearer(alice));
      expect({ status: page.status, reset: page.body.reset }).toEqual({ status: 410, reset: true });
      // The cursor shown in the API docs is from no real log.
      const doc = (await request(t.url).get('/docs-json').expect(200)).body;
      const example = doc.components.schemas.PullResponseDto.properties.syncedUntil.example;
      await expectResetEverywhere(t, alice, example);
      // Nothing was written by the refused push, and a real cursor still gets what follows.
      await push(t, alice, APP, { clientId: 'tablet', changes: [insertChange('c3', { t: 3 })] });
      const after = await pullUntil(t, alice, cursor, ['c3']);
      expect(after.ids).toEqual(['c3']);
    } finally {
      await t.close();
    }
  });

  it('keeps a cursor working across an app restart', async () => {
    const first = await startTestApp({ env: SYNC_TEST_ENV });
    let cursor: string;
    let alice: string;
    try {
      alice = await userToken(first, 'alice');
      cursor = await seed(first, alice);
    } finally {
      await first.close();
    }
    const second = await startTestApp({ env: SYNC_TEST_ENV, databaseUrl: first.databaseUrl });
    try {
      await push(second, alice, APP, { clientId: 'phone', changes: [insertChange('c3', {})] });
      expect((await pullUntil(second, alice, cursor, ['c3'])).ids).toEqual(['c3']);
    } finally {
      await second.close();
    }
  });

  it('after a copy into a new database on the same server: old cursors get 410 reset, the snapshot brings every change', async () => {
    const source = await startTestApp({ env: SYNC_TEST_ENV });
    let cursor: string;
    let alice: string;
    try {
      alice = await userToken(source, 'alice');
      cursor = await seed(source, alice);
    } finally {
      await source.close();
    }
    // CREATE DATABASE ... TEMPLATE: a file copy, every row and xid as it was.
    const copyUrl = new URL(source.databaseUrl);
    const sourceName = copyUrl.pathname.slice(1);
    copyUrl.pathname = `/${sourceName}_copy`;
    const admin = new URL(source.databaseUrl);
    admin.pathname = '/postgres';
    await ensureDatabase(admin.toString(), `${sourceName}_copy`, sourceName);
    const copy = await startTestApp({ env: SYNC_TEST_ENV, databaseUrl: copyUrl.toString() });
    try {
      await expectResetEverywhere(copy, alice, cursor);
      const snapshot = await snapshotIds(copy, alice);
      expect(snapshot.ids).toEqual(['c1', 'c2']);
      await push(copy, alice, APP, { clientId: 'phone', changes: [insertChange('c3', {})] });
      expect((await pullUntil(copy, alice, snapshot.cursor, ['c3'])).ids).toContain('c3');
    } finally {
      await copy.close();
    }
  });

  it('after a restore onto a new PostgreSQL server whose xids are behind: old cursors get 410, the resync misses nothing, cursors survive a PostgreSQL restart', async () => {
    const source = await startTestApp({ env: SYNC_TEST_ENV });
    let cursor: string;
    let alice: string;
    try {
      // Move the source's xids well past what a new server starts with, as on any server
      // that has run for a while.
      await sql(
        source.databaseUrl,
        `DO $$ BEGIN FOR i IN 1..20000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
      );
      alice = await userToken(source, 'alice');
      cursor = await seed(source, alice);
    } finally {
      await source.close();
    }
    const server = await prepareTestServer();
    const embedded = server.embedded!;
    const dataDir = path.join(embedded.dir, 'postgres');
    let stop = embedded.stop;
    try {
      const restoredUrl = new URL(server.adminUrl);
      restoredUrl.pathname = '/hub_restored';
      await ensureDatabase(server.adminUrl, 'hub_restored', server.template);
      await copyDatabaseRows(source.databaseUrl, restoredUrl.toString());
      const restoredXid = await currentXid(restoredUrl.toString());
      const [{ tx }] = await sql<{ tx: string }>(
        restoredUrl.toString(),
        `SELECT max(tx)::text AS tx FROM sync_changes`,
      );
      expect(restoredXid).toBeLessThan(BigInt(tx)); // the case that loses changes silently

      let restored = await startTestApp({
        env: SYNC_TEST_ENV,
        databaseUrl: restoredUrl.toString(),
      });
      let resumed: string;
      try {
        await expectResetEverywhere(restored, alice, cursor);
        const snapshot = await snapshotIds(restored, alice);
        expect(snapshot.ids).toEqual(['c1', 'c2']);
        await push(restored, alice, APP, { clientId: 'phone', changes: [insertChange('c3', {})] });
        const after = await pullUntil(restored, alice, snapshot.cursor, ['c3']);
        expect(after.ids).toEqual(['c3']);
        // A new device reading the whole log gets the restored changes and the new one.
        expect((await pullUntil(restored, alice, undefined, ['c1', 'c2', 'c3'])).ids).toEqual([
          'c1',
          'c2',
          'c3',
        ]);
        resumed = after.cursor;
      } finally {
        await restored.close();
      }

      // The same server restarted: its cursors stay valid.
      await stop();
      const again = await startEmbeddedPostgres({
        dataDir,
        password: 'test',
        database: 'postgres',
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
      });
      stop = again.stop;
      restoredUrl.port = new URL(again.url).port;
      restored = await startTestApp({ env: SYNC_TEST_ENV, databaseUrl: restoredUrl.toString() });
      try {
        await push(restored, alice, APP, { clientId: 'phone', changes: [insertChange('c4', {})] });
        expect((await pullUntil(restored, alice, resumed, ['c4'])).ids).toEqual(['c4']);
      } finally {
        await restored.close();
      }
    } finally {
      await stop();
      fs.rmSync(embedded.dir, { recursive: true, force: true });
    }
  }, 180_000);
});
