import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { JobHandler, Job, JobRunner } from '../../src/jobs/job-handler.decorator.js';
import { done, JobOutcome } from '../../src/jobs/job-outcome.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { DebianCluster, debianTool, startDebianCluster } from '../support/debian-postgres.js';
import { Receiver } from '../support/receiver.js';
import { bearer, startTestApp, TestApp, waitFor } from '../support/test-app.js';
import { insertChange, push, SYNC_TEST_ENV, userToken } from '../sync/helpers.js';
import { createEndpoint } from '../webhooks/helpers.js';

/**
 * The backup and restore drill of docs/operations.md ("Backup and restore"), with its exact
 * commands: `pg_dump --format=custom` of a running hub while requests flow, `createdb` and
 * `pg_restore` on a new PostgreSQL server (whose transaction ids are behind, as on any new
 * server), and a hub started on the copy with the same SECRET_KEY. It checks what resumes
 * (pending webhook deliveries, job schedules, sealed secrets, the event bus) and what clients
 * see (old sync cursors: 410 reset; the resync brings every restored change).
 *
 * The hub runs on Debian's PostgreSQL 15 here: a pg_dump refuses a newer server, and Debian
 * bookworm packages no pg_dump for the embedded server's 18.
 */

const execFileAsync = promisify(execFile);

/** A schedule made at run time (as a calendar binding's), so only the restored row can continue it. */
@Injectable()
@JobHandler({ queue: 'drill.tick' })
class TickJob implements JobRunner<Record<string, never>> {
  static runs: { key: string | null; at: number }[] = [];
  async run(job: Job<Record<string, never>>): Promise<JobOutcome> {
    TickJob.runs.push({ key: job.key, at: Date.now() });
    return done();
  }
}

const ENV = {
  ...SYNC_TEST_ENV,
  OUTBOUND_ALLOW_PRIVATE: 'true',
  // Long enough that no failing delivery runs out of tries before the restored hub sends it.
  WEBHOOK_RETRY_SCHEDULE: ['500ms', ...Array(40).fill('1s')].join(','),
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1000',
  EVENT_CONSUMER_POLL_MS: '200',
  JOBS_POLL_MS: '100',
  SHUTDOWN_TIMEOUT_MS: '2000',
};
const APP = 'notes';
const PGPASSWORD = 'test';

/** A client program of Debian's PostgreSQL 15, as an operator runs it (password from PGPASSWORD). */
async function pgTool(name: string, args: string[]): Promise<void> {
  await execFileAsync(debianTool(name), args, { env: { ...process.env, PGPASSWORD } });
}

/** A connection string without the password, for the command lines. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

async function currentXid(url: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT pg_current_xact_id()::text AS x`);
    return BigInt(rows[0].x);
  } finally {
    await client.end();
  }
}

/** Every event of `type` the hub lists (GET /events, all pages). */
async function listedEvents(t: TestApp, type: string): Promise<{ id: string; i: number }[]> {
  const events: { id: string; i: number }[] = [];
  let cursor: string | undefined;
  do {
    const res = await request(t.url)
      .get('/events')
      .query({ type, limit: 100, ...(cursor ? { cursor } : {}) })
      .set(bearer(t.adminToken))
      .expect(200);
    for (const e of res.body.data as { id: string; data: { i: number } }[])
      events.push({ id: e.id, i: e.data.i });
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return events;
}

/** `cards` ids in the user's snapshot, and the cursor to sync on from. */
async function snapshot(t: TestApp, token: string): Promise<{ ids: string[]; cursor: string }> {
  const ids: string[] = [];
  let since: string | undefined;
  for (;;) {
    const res = await request(t.url)
      .get(`/sync/${APP}/snapshot`)
      .query({ collection: 'cards', ...(since ? { since } : {}) })
      .set(bearer(token))
      .expect(200);
    ids.push(...(res.body.records as { id: string }[]).map((r) => r.id));
    if (!res.body.hasMore) return { ids: ids.sort(), cursor: res.body.syncedUntil };
    since = res.body.next;
  }
}

/** Pulls `cards` from `since` to the head; the ids of every change seen. */
async function pullAll(
  t: TestApp,
  token: string,
  since?: string,
): Promise<{ status: number; ids: string[]; cursor?: string; reset?: boolean }> {
  const ids: string[] = [];
  let cursor = since;
  for (;;) {
    const res = await request(t.url)
      .get(`/sync/${APP}/pull`)
      .query({ collection: 'cards', ...(cursor ? { since: cursor } : {}) })
      .set(bearer(token))
      .set('X-Client-Id', 'tablet');
    if (res.status !== 200) return { status: res.status, ids, reset: res.body.reset };
    ids.push(...(res.body.changes as { id: string }[]).map((c) => c.id));
    cursor = res.body.syncedUntil;
    if (!res.body.hasMore) return { status: 200, ids, cursor };
  }
}

interface Received {
  phase: 'source' | 'restored';
  i: number;
  webhookId: string;
  status: number;
  verified: boolean;
  at: number;
}

describe('backup and restore drill', () => {
  it('pg_dump under traffic, pg_restore onto a new server: deliveries, schedules and secrets resume; sync clients reset and resync', async () => {
    const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ih-dump-'));
    const dumpFile = path.join(dumpDir, 'hub.dump');
    const clusters: DebianCluster[] = [];
    let source: TestApp | undefined;
    let restored: TestApp | undefined;
    let receiver: Receiver | undefined;
    let traffic: Promise<unknown> = Promise.resolve();
    let stopTraffic = false;
    try {
      const [old, fresh] = await Promise.all([startDebianCluster(), startDebianCluster()]);
      clusters.push(old, fresh);
      await pgTool('createdb', [`--maintenance-db=${withoutPassword(old.adminUrl)}`, 'hub']);
      // Move the old server's xids past what a new server starts with, as on any server that
      // has run for a while.
      const admin = new pg.Client({ connectionString: old.urlOf('hub') });
      await admin.connect();
      await admin.query(
        `DO $$ BEGIN FOR i IN 1..5000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
      );
      await admin.end();

      // The receiver refuses odd events until the restore: those deliveries are pending
      // (retrying) in the backup whatever its timing.
      let phase: Received['phase'] = 'source';
      let secret = '';
      const received: Received[] = [];
      receiver = await Receiver.start((req, res) => {
        const body = JSON.parse(req.body) as { data: { i: number } };
        let verified = true;
        try {
          new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        const status = phase === 'source' && body.data.i % 2 === 1 ? 503 : 200;
        received.push({
          phase,
          i: body.data.i,
          webhookId: String(req.headers['webhook-id']),
          status,
          verified,
          at: Date.now(),
        });
        res.statusCode = status;
        res.end();
      });

      TickJob.runs = [];
      source = await startTestApp({
        env: ENV,
        databaseUrl: old.urlOf('hub'),
        providers: [TickJob],
      });
      const endpoint = await createEndpoint(source, {
        url: receiver.url,
        eventTypes: ['drill.*'],
      });
      secret = endpoint.secret;
      await source.app.get(JobsService).schedule('drill.tick', 'binding-1', '300ms');
      await waitFor(() => TickJob.runs.length > 0, 15_000, 'the schedule to run on the source');
      const alice = await userToken(source, 'alice');
      await push(source, alice, APP, { clientId: 'phone', changes: [insertChange('seed', {})] });
      const tablet = await pullAll(source, alice);
      expect(tablet.ids).toEqual(['seed']);

      // Traffic: events (each one a webhook delivery) and sync pushes, each a loop of requests.
      const acked = {
        events: [] as { i: number; at: number }[],
        cards: [] as { id: string; at: number }[],
      };
      const hub = source;
      traffic = Promise.all([
        (async () => {
          for (let i = 0; !stopTraffic; i++) {
            await request(hub.url)
              .post('/events')
              .set(bearer(hub.adminToken))
              .send({ type: 'drill.event', source: 'drill', data: { i } })
              .expect(202);
            acked.events.push({ i, at: Date.now() });
          }
        })(),
        (async () => {
          for (let i = 0; !stopTraffic; i++) {
            const id = `card-${i}`;
            await push(hub, alice, APP, { clientId: 'phone', changes: [insertChange(id, { i })] });
            acked.cards.push({ id, at: Date.now() });
          }
        })(),
      ]);
      traffic.catch(() => undefined); // awaited below; a failure there fails the test
      await waitFor(
        () => acked.events.length >= 10 && received.some((r) => r.status === 503),
        15_000,
        'traffic to flow, and a delivery to be refused',
      );

      const oldXid = await currentXid(old.urlOf('hub'));
      const dumpStarted = Date.now();
      await pgTool('pg_dump', [
        '--format=custom',
        `--file=${dumpFile}`,
        `--dbname=${withoutPassword(old.urlOf('hub'))}`,
      ]);
      const dumpEnded = Date.now();
      const ackedBefore = {
        events: acked.events.filter((e) => e.at < dumpStarted).map((e) => e.i),
        cards: acked.cards.filter((c) => c.at < dumpStarted).map((c) => c.id),
      };
      // Requests were answered while pg_dump ran (it takes no lock that writes wait for).
      const during = (at: number) => at > dumpStarted && at < dumpEnded;
      expect([...acked.events, ...acked.cards].some((a) => during(a.at))).toBe(true);
      await waitFor(
        () => acked.events.some((e) => e.at > dumpEnded + 200),
        15_000,
        'traffic after the dump',
      );
      stopTraffic = true;
      await traffic;
      await source.close();
      source = undefined;

      // The restore: a new database on a new server.
      await pgTool('createdb', [`--maintenance-db=${withoutPassword(fresh.adminUrl)}`, 'hub']);
      await pgTool('pg_restore', [
        '--exit-on-error',
        `--dbname=${withoutPassword(fresh.urlOf('hub'))}`,
        dumpFile,
      ]);
      // The case that needs the hub's restore checks: the new server's xids are behind.
      expect(await currentXid(fresh.urlOf('hub'))).toBeLessThan(oldXid);

      phase = 'restored';
      TickJob.runs = [];
      const restoredAt = Date.now();
      restored = await startTestApp({
        env: ENV,
        databaseUrl: fresh.urlOf('hub'),
        providers: [TickJob],
      });
      const hub2 = restored;
      // The hub noticed the copy at start-up: the bus log and the sync log were re-stamped.
      for (const log of ['event log', 'sync change log'])
        expect(hub2.logs.some((l) => l.includes(`restored or moved copy of the ${log}`))).toBe(
          true,
        );

      // Secrets sealed before the backup open with the same SECRET_KEY.
      const status = await request(hub2.url)
        .get('/admin/secrets/status')
        .set(bearer(hub2.adminToken))
        .expect(200);
      expect(status.body.unreadable).toBe(0);
      const restoredSecret = await request(hub2.url)
        .get(`/webhooks/endpoints/${endpoint.id}/secret`)
        .set(bearer(hub2.adminToken))
        .expect(200);
      expect(restoredSecret.body.secret).toBe(secret);

      // The restored log holds every event acknowledged before the dump began, and each one
      // reaches the receiver at least once, signed with the secret from before the backup;
      // the odd ones, refused until now, come from the restored hub.
      const inBackup = await listedEvents(hub2, 'drill.event');
      const restoredIs = inBackup.map((e) => e.i);
      expect(restoredIs).toEqual(expect.arrayContaining(ackedBefore.events));
      await request(hub2.url)
        .post('/events')
        .set(bearer(hub2.adminToken))
        .send({ type: 'drill.after', source: 'drill', data: { i: -1 } })
        .expect(202);
      const delivered = (i: number) => received.some((r) => r.i === i && r.status === 200);
      await waitFor(
        () => [...restoredIs, -1].every(delivered),
        30_000,
        'every restored event and a new one to be delivered',
      );
      for (const i of restoredIs.filter((n) => n % 2 === 1))
        expect(received.some((r) => r.i === i && r.status === 200 && r.phase === 'restored')).toBe(
          true,
        );
      expect(received.every((r) => r.verified)).toBe(true);
      // A delivery that was in the backup keeps its webhook-id on the restored hub, so
      // receivers deduplicate it. (One the old hub created after the dump's snapshot is not in
      // the backup: the restored fan-out creates it again, with a new webhook-id.)
      const inBackupBefore = received.filter((r) => r.phase === 'source' && r.at < dumpStarted);
      const resent = inBackupBefore.filter((r) => r.status === 503);
      expect(resent.length).toBeGreaterThan(0);
      for (const { i, webhookId } of inBackupBefore)
        for (const again of received.filter((r) => r.phase === 'restored' && r.i === i))
          expect(again.webhookId).toBe(webhookId);

      // The schedule made before the backup runs on the restored hub.
      await waitFor(
        () => TickJob.runs.filter((r) => r.key === 'binding-1' && r.at > restoredAt).length >= 2,
        15_000,
        'the restored schedule to run',
      );

      // Sync: the tablet's cursor is from the old log: 410 reset, never a silent skip.
      const stale = await pullAll(hub2, alice, tablet.cursor);
      expect({ status: stale.status, reset: stale.reset }).toEqual({ status: 410, reset: true });
      const pushed = await request(hub2.url)
        .post(`/sync/${APP}`)
        .set(bearer(alice))
        .send({ clientId: 'tablet', since: tablet.cursor, changes: [] });
      expect({ status: pushed.status, reset: pushed.body.reset }).toEqual({
        status: 410,
        reset: true,
      });
      // The resync (snapshot) holds every card acknowledged before the dump began, nothing
      // that was never pushed, and what a new device reads from the log; from its cursor the
      // client gets what is written next.
      const resync = await snapshot(hub2, alice);
      const allPushed = ['seed', ...acked.cards.map((c) => c.id)];
      expect(resync.ids).toEqual(expect.arrayContaining(['seed', ...ackedBefore.cards]));
      expect(allPushed).toEqual(expect.arrayContaining(resync.ids));
      expect([...new Set((await pullAll(hub2, alice)).ids)].sort()).toEqual(resync.ids);
      await push(hub2, alice, APP, { clientId: 'phone', changes: [insertChange('after', {})] });
      // A pull may lag a commit for a moment (its watermark waits for older transactions).
      const next: string[] = [];
      let cursor = resync.cursor;
      await waitFor(
        async () => {
          const page = await pullAll(hub2, alice, cursor);
          expect(page.status).toBe(200);
          next.push(...page.ids);
          cursor = page.cursor!;
          return next.includes('after');
        },
        15_000,
        'the resynced client to pull the next change',
      );
      expect(next).toEqual(['after']);
    } finally {
      stopTraffic = true;
      await traffic.catch(() => undefined);
      await source?.close();
      await restored?.close();
      await receiver?.close();
      await Promise.all(clusters.map((c) => c.stop()));
      fs.rmSync(dumpDir, { recursive: true, force: true });
    }
  }, 90_000);
});
