import pg from 'pg';
import request from 'supertest';
import { FakeGitHub, FakeJira, waitForIdle } from '../../src/testing/index.js';
import { appointment, publish as publishAppointment, syncLog } from '../calendar/helpers.js';
import {
  CALENDAR_PATH,
  calendarEntry,
  homeListing,
  HOME_PATH,
  multistatus,
  propResponse,
  startHostileCalDav,
  type HostileCalDav,
} from '../support/caldav/hostile-caldav.js';
import {
  startHostileCalDav as startStoreCalDav,
  type HostileCalDav as StoreCalDav,
} from '../support/caldav/hostile-store-caldav.js';
import { ReceiverPool } from '../support/receiver.js';
import { createSuiteDatabase } from '../support/test-database.js';
import { bearer, startTestApp, type TestApp, waitFor } from '../support/test-app.js';
import {
  FAST_INTEGRATIONS,
  cardJobs,
  createIntegration,
  jiraConfig,
} from '../integrations/helpers.js';
import { firingsOf, createTrigger } from '../triggers/helpers.js';
import { createEndpoint, deliveriesOf, FAST_WEBHOOKS, publish } from '../webhooks/helpers.js';
import { userToken } from '../sync/helpers.js';

/**
 * The tables that keep text a peer sent (a receiver's answer, a Jira or GitHub error, what a
 * CalDAV server names or answers), with the columns that hold it. PostgreSQL refuses U+0000
 * in text and jsonb and a lone surrogate in jsonb; storableText turns both into U+FFFD at the
 * persistence boundary, so each of these tables must end up with a U+FFFD row, not a missing
 * one. A table that starts storing peer text belongs here, with a hostile peer below.
 */
const PEER_TEXT_TABLES: Record<string, string> = {
  webhook_attempts: 'response_body (endpoint and trigger receivers)',
  integration_logs: 'error (Jira, GitHub)',
  integration_cards: 'last_error',
  calendar_bindings: 'display_name, last_sync_error',
  calendar_targets: 'etag, last_error, remote_ics',
  calendar_sync_log: 'first_error',
  jobs: 'last_error (integrations.card-sync, calendar.sync)',
  job_attempts: 'error',
  events: 'data of calendar.remote_changed',
};

/** What PostgreSQL says when a statement carries text it cannot store. */
const ENCODING_FAILURES = ['invalid byte sequence', 'unsupported Unicode escape'];

/** NUL, bytes that are not UTF-8, and a lone surrogate's UTF-8 form (ED A0 80). */
const HOSTILE_BYTES = Buffer.concat([
  Buffer.from('boom\0'),
  Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]),
  Buffer.from('\0end'),
]);
/** In JSON: a NUL and a lone surrogate, both as `\u` escapes. */
const HOSTILE_JSON_TEXT = 'bad\u0000byte \ud800 lone';

/** Every text, varchar, jsonb and text[] column of the public schema, by table. */
async function textColumns(db: pg.Client): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        -- A partition's rows are read through its parent.
        AND NOT EXISTS (SELECT 1 FROM pg_inherits i
                        WHERE i.inhrelid = format('public.%I', c.table_name)::regclass)
        AND (c.data_type IN ('text', 'character varying', 'jsonb')
             OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const r of rows)
    byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** For each table, the columns with at least one row containing `needle`, and how many rows. */
async function walk(db: pg.Client, needle: string): Promise<Map<string, Record<string, number>>> {
  const found = new Map<string, Record<string, number>>();
  for (const [table, columns] of await textColumns(db)) {
    const counts = columns
      .map((c) => `count(*) FILTER (WHERE strpos(${ident(c)}::text, $1) > 0)::int AS ${ident(c)}`)
      .join(', ');
    // Identifiers come from information_schema, not from input; the needle is a parameter.
    const { rows } = await db.query<Record<string, number>>(
      `SELECT ${counts} FROM ${ident(table)}`,
      [needle],
    );
    const hits = Object.fromEntries(Object.entries(rows[0]).filter(([, n]) => n > 0));
    if (Object.keys(hits).length > 0) found.set(table, hits);
  }
  return found;
}

describe('peer text is stored at the persistence boundary, never a failed insert', () => {
  it('names only tables that exist, each with a text column', async () => {
    const db = new pg.Client({ connectionString: await createSuiteDatabase() });
    await db.connect();
    try {
      const tables = await textColumns(db);
      expect(Object.keys(PEER_TEXT_TABLES).filter((t) => !tables.has(t))).toEqual([]);
    } finally {
      await db.end();
    }
  });

  describe('against hostile peers of every module', () => {
    let t: TestApp;
    let db: pg.Client;
    let jira: FakeJira;
    let gh: FakeGitHub;
    let caldav: HostileCalDav;
    let store: StoreCalDav;
    const receivers = new ReceiverPool();
    let nulHeaderEndpoint = '';

    beforeAll(async () => {
      [t, jira, gh, caldav, store] = await Promise.all([
        startTestApp({
          env: {
            ...FAST_WEBHOOKS,
            ...FAST_INTEGRATIONS,
            CALENDAR_SYNC_INTERVAL: '1h',
            CALENDAR_HTTP_TIMEOUT_MS: '10000',
          },
        }),
        FakeJira.start(),
        FakeGitHub.start(),
        startHostileCalDav(),
        startStoreCalDav(['shared']),
      ]);
      db = new pg.Client({ connectionString: t.databaseUrl });
      await db.connect();
    });
    afterAll(async () => {
      await db?.end();
      await t?.close();
      await Promise.all([jira?.close(), gh?.close(), caldav?.stop(), store?.close()]);
      await receivers.closeAll();
    });

    /** A receiver that answers 500 with NUL and non-UTF-8 bytes in its body. */
    const hostileReceiver = () =>
      receivers.start((_req, res) => {
        res.socket!.end(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 500 Oops\r\ncontent-type: text/plain\r\ncontent-length: ${HOSTILE_BYTES.length}\r\nconnection: close\r\n\r\n`,
            ),
            HOSTILE_BYTES,
          ]),
        );
      });
    /** NUL in a header value: Node's parser refuses the answer, so the attempt records why. */
    const nulHeaderReceiver = () =>
      receivers.start((_req, res) => {
        res.socket!.end(
          Buffer.from(
            'HTTP/1.1 500 Oops\r\nretry-after: 1\0x\r\ncontent-length: 4\r\nconnection: close\r\n\r\nboom',
          ),
        );
      });

    async function webhooks() {
      const body = await createEndpoint(t, {
        url: (await hostileReceiver()).url,
        eventTypes: ['peertext.probe'],
      });
      const header = await createEndpoint(t, {
        url: (await nulHeaderReceiver()).url,
        eventTypes: ['peertext.probe'],
      });
      const trigger = await createTrigger(t, {
        matchers: [{ label: 'source', op: '=', value: 'peertext' }],
        action: { type: 'webhook', url: (await hostileReceiver()).url },
      });
      await publish(t, { type: 'peertext.probe', source: 'peertext', data: { n: 1 } });
      for (const ep of [body, header])
        await waitFor(
          async () => (await deliveriesOf(t, ep.id)).some((d) => d.status === 'failed'),
          15000,
          `the delivery to endpoint ${ep.id} to fail`,
        );
      await waitFor(
        async () => (await firingsOf(t, trigger.id))[0]?.delivery?.status === 'failed',
        15000,
        'the trigger delivery to fail',
      );
      nulHeaderEndpoint = header.id;
    }

    async function integrations() {
      // Jira: a retryable 502 first (the retry's attempt keeps its text), then a final 400.
      jira.fault({
        method: 'POST',
        path: /^\/rest\/api\/3\/issue$/,
        reply: { status: 502, raw: 'gate\u0000way' },
      });
      jira.fault({
        method: 'POST',
        path: /^\/rest\/api\/3\/issue$/,
        reply: { status: 400, body: { errorMessages: [HOSTILE_JSON_TEXT], errors: {} } },
      });
      gh.fault({
        method: 'POST',
        path: /\/issues$/,
        reply: { status: 422, body: { message: HOSTILE_JSON_TEXT, errors: [] } },
      });
      const ids = [
        (await createIntegration(t, { config: jiraConfig(jira) })).id,
        (
          await createIntegration(t, {
            kind: 'github',
            name: 'github',
            config: { baseUrl: gh.url, owner: gh.owner, repo: gh.repo, token: gh.token },
          })
        ).id,
      ];
      await request(t.url)
        .post('/events')
        .set(bearer(t.adminToken))
        .send({
          type: 'card.created',
          source: 'kanban',
          subject: 'peertext-card',
          data: {
            title: 'Peer text',
            description: 'd',
            column: 'todo',
            tags: [],
            createdAt: new Date().toISOString(),
          },
        })
        .expect(202);
      for (const id of ids)
        await waitFor(
          async () => (await cardJobs(t, id, 'peertext-card')).some((j) => j.status === 'failed'),
          15000,
          `the card job of integration ${id} to fail`,
        );
    }

    /**
     * The scripted server: a calendar named with a NUL; object PUTs refused (403, 412) or
     * failed (500) with NUL bytes in the body; an object whose ETag (read back by PROPFIND)
     * holds a NUL. A 412 body is not kept (the error says "precondition"); the run goes on.
     */
    async function calendarWrites() {
      caldav.route = (r) => {
        if (r.method === 'PROPFIND' && r.path === HOME_PATH)
          return homeListing([calendarEntry(CALENDAR_PATH, 'Work\u0000x')]);
        if (r.method === 'PROPFIND' && r.path === CALENDAR_PATH && r.depth === '0')
          return multistatus([calendarEntry(CALENDAR_PATH, 'Work\u0000x')]);
        if (r.method === 'PUT' && r.body.includes('SUMMARY:Refused'))
          return { status: 403, body: 'refused\u0000\u0000 here' };
        if (r.method === 'PUT' && r.body.includes('SUMMARY:Conflict'))
          return { status: 412, body: 'exists\u0000 already' };
        if (r.method === 'PUT' && r.body.includes('SUMMARY:Broken'))
          return { status: 500, body: 'broken\u0000 server' };
        if (r.method === 'PUT') return { status: 201 };
        if (r.method === 'PROPFIND' && r.path.endsWith('.ics'))
          return multistatus([propResponse(r.path, '<d:getetag>"e\u0000tag"</d:getetag>')]);
        return undefined;
      };
      const bound = async (user: string) => {
        const auth = bearer(await userToken(t, user));
        const put = await request(t.url)
          .put('/calendar/account')
          .set(auth)
          .send({ serverUrl: caldav.url, username: 'alice', password: 'pw-peertext' })
          .expect(200);
        return { auth, bindingId: put.body.autoBoundBindingId as string };
      };
      // Two users: a 500 stops a run, so the 403, the 412 and the ETag get a binding of their own.
      const a = await bound('peertext-a');
      const b = await bound('peertext-b');
      for (const title of ['Good', 'Refused', 'Conflict'])
        await publishAppointment(t, 'created', `pt-${title}`, appointment('peertext-a', { title }));
      await publishAppointment(
        t,
        'created',
        'pt-Broken',
        appointment('peertext-b', { title: 'Broken' }),
      );
      const who = { user: '', token: '' };
      await waitFor(
        async () => {
          const [targets] = (
            await db.query(
              `SELECT count(*) FILTER (WHERE status = 'error')::int AS failed,
                      count(*) FILTER (WHERE etag IS NOT NULL)::int AS written
                 FROM calendar_targets WHERE binding_id = $1`,
              [a.bindingId],
            )
          ).rows;
          const runs = await syncLog(t, { ...who, auth: a.auth }, a.bindingId);
          return targets.failed === 2 && targets.written === 1 && runs.some((r) => r.errors > 0);
        },
        20000,
        'the runs that wrote Good and were refused Refused and Conflict',
      );
      await waitFor(
        async () =>
          (await syncLog(t, { ...who, auth: b.auth }, b.bindingId)).some((r) =>
            r.firstError?.includes('answered 500'),
          ),
        20000,
        'the run that failed on Broken',
      );
    }

    /** A calendar sharer edits the hub's object with a NUL in its SUMMARY (policy report). */
    async function calendarRemoteChange() {
      const auth = bearer(await userToken(t, 'peertext-c'));
      await request(t.url)
        .put('/calendar/account')
        .set(auth)
        .send({ serverUrl: store.url, username: 'dana', password: 'pw', autoBind: false })
        .expect(200);
      const binding = await request(t.url)
        .post('/calendar/bindings')
        .set(auth)
        .send({ calendarPath: '/home/shared/', scopeKind: 'all_visible', conflictPolicy: 'report' })
        .expect(201);
      await publishAppointment(
        t,
        'created',
        'pt-shared',
        appointment('peertext-c', { title: 'Shared' }),
      );
      const [path, object] = await waitFor(
        async () => [...store.objects][0],
        20000,
        'the shared object on the server',
      );
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM calendar_targets WHERE binding_id = $1 AND etag IS NOT NULL`,
              [binding.body.id],
            )
          ).rowCount === 1,
        20000,
        'the hub to record its object',
      );
      store.edit(path, object.ics.replace(/SUMMARY:[^\r\n]*/, 'SUMMARY:Edited\u0000remotely'));
      await request(t.url).post(`/calendar/bindings/${binding.body.id}/sync`).set(auth).expect(202);
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM calendar_targets WHERE binding_id = $1 AND status = 'remote_changed'`,
              [binding.body.id],
            )
          ).rowCount === 1,
        20000,
        'the remote change to be recorded',
      );
    }

    it('keeps every hostile answer as U+FFFD in each table that stores peer text', async () => {
      // Every peer runs to the end, so a failure lists every table left without its row.
      const flows = { webhooks, integrations, calendarWrites, calendarRemoteChange };
      const settled = await Promise.allSettled(Object.values(flows).map((flow) => flow()));
      const failedFlows = Object.keys(flows).flatMap((name, i) => {
        const outcome = settled[i];
        return outcome.status === 'rejected' ? [`${name}: ${String(outcome.reason)}`] : [];
      });
      const notIdle = await waitForIdle(t, { timeoutMs: 20000 }).then(
        () => null,
        (err: Error) => err.message,
      );

      const found = await walk(db, '\uFFFD');
      const missing = Object.keys(PEER_TEXT_TABLES).filter((table) => !found.has(table));
      expect({ missing, failedFlows, notIdle }).toEqual({
        missing: [],
        failedFlows: [],
        notIdle: null,
      });
      // A table outside the list that holds U+FFFD stores peer text too: list it above.
      expect([...found.keys()].filter((table) => !(table in PEER_TEXT_TABLES))).toEqual([]);

      // A NUL in a header fails the parse, so no peer text arrives, but the attempt is kept.
      const { rows: headerAttempts } = await db.query(
        `SELECT status_code, error FROM webhook_attempts WHERE endpoint_id = $1`,
        [nulHeaderEndpoint],
      );
      expect(headerAttempts.length).toBeGreaterThan(0);
      expect(headerAttempts[0]).toEqual({
        status_code: null,
        error: expect.stringContaining('header'),
      });

      for (const failure of ENCODING_FAILURES) {
        expect(await walk(db, failure)).toEqual(new Map());
        expect(t.logs.filter((line) => line.includes(failure))).toEqual([]);
      }
    });
  });
});
