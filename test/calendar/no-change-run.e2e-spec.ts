import request from 'supertest';
import { BindingSyncService } from '../../src/calendar/binding-sync/binding-sync.service.js';
import {
  CALDAV_SERVERS,
  type CalDavServer,
  startCalDavServer,
} from '../support/caldav/caldav-servers.js';
import type { TestApp } from '../support/test-app.js';
import {
  appointment,
  bindNew,
  connect,
  db,
  publish,
  publishedObject,
  serverObjects,
  settled,
  startCalendarApp,
  syncNow,
  waitForObjects,
} from './helpers.js';

/**
 * The no-change rule (docs/calendar.md): a run with nothing changed in scope and nothing listed
 * by the server sends one request and reads no appointment or target row. Every SQL statement
 * the app sends is recorded (TypeORM hands each to its logger), and the front proxy counts
 * the CalDAV requests.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startCalendarApp();
});
afterAll(() => t.close());

const ROW_TABLES = /\bcalendar_(appointments|targets)\b/;

/** One run of the binding, called as the sync job calls it; what it sent to the database. */
async function runRecordingSql(bindingId: string): Promise<string[]> {
  const ds = db(t);
  const statements: string[] = [];
  const logger = ds.logger;
  const original = logger.logQuery;
  logger.logQuery = (query, ...rest) => {
    statements.push(query);
    return original.call(logger, query, ...rest);
  };
  try {
    const result = await t.app.get(BindingSyncService).run(bindingId, false);
    expect(result).toMatchObject({ error: null });
  } finally {
    logger.logQuery = original;
  }
  return statements;
}

describe.each(CALDAV_SERVERS)('a run with nothing to do, against %s', (kind) => {
  let server: CalDavServer;
  beforeAll(async () => {
    server = await startCalDavServer(kind);
  });
  afterAll(() => server?.stop());

  /** A binding holding one object, after a run that found nothing to do. */
  async function quietBinding() {
    const c = await connect(t, server);
    const binding = await bindNew(t, c);
    const id = `quiet-${c.user}`;
    await publishedObject(t, server, binding.calendarPath, id, appointment(c.user));
    await syncNow(t, c, binding.id);
    return { c, binding, id };
  }

  it('sends only the sync-collection REPORT and reads no appointment or target row', async () => {
    const { binding } = await quietBinding();
    await settled(t);
    const before = server.requests.length;
    const sql = await runRecordingSql(binding.id);
    const sent = server.requests.slice(before);
    expect(sent).toEqual([
      { method: 'REPORT', path: expect.stringContaining(binding.calendarPath) },
    ]);
    expect(sql.filter((q) => ROW_TABLES.test(q))).toEqual([]);
    // The control: a full run does read them (the recorder sees those statements).
    await db(t).query(`UPDATE calendar_bindings SET synced_scope_version = NULL WHERE id = $1`, [
      binding.id,
    ]);
    const full = await runRecordingSql(binding.id);
    expect(full.filter((q) => ROW_TABLES.test(q)).length).toBeGreaterThanOrEqual(2);
  });

  it('an appointment change after a no-change run is pushed by the next run', async () => {
    const { c, binding, id } = await quietBinding();
    await publish(t, 'updated', id, appointment(c.user, { title: 'Moved hearing' }));
    await waitForObjects(
      server,
      binding.calendarPath,
      (x) => x.length === 1 && x[0].event.title === 'Moved hearing',
      'the updated object',
    );
  });

  it('an edit of the binding makes the next run a full one', async () => {
    const { c, binding } = await quietBinding();
    // The appointment is not personal: a personal_only binding no longer holds it.
    await request(t.url)
      .patch(`/calendar/bindings/${binding.id}`)
      .set(c.auth)
      .send({ scopeKind: 'personal_only' })
      .expect(200);
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 0, 'no object');
  });

  it('a change on the server is pulled (hub_wins re-creates a deleted object)', async () => {
    const { c, binding } = await quietBinding();
    const [o] = await serverObjects(server, binding.calendarPath);
    expect((await server.dav('DELETE', o.href)).status).toBeLessThan(300);
    expect(await syncNow(t, c, binding.id)).toMatchObject({
      remoteChanges: 1,
      created: 1,
      errors: 0,
    });
    await waitForObjects(server, binding.calendarPath, (x) => x.length === 1, 'the object back');
  });
});
