import * as fs from 'node:fs';
import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { ensureDatabase } from '../../src/database/embedded-postgres.js';
import {
  EventConsumer,
  EventHandler,
} from '../../src/events/consumers/event-consumer.decorator.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { HubEvent } from '../../src/events/event.types.js';
import { prepareTestServer } from '../../src/testing/test-database.js';
import { copyDatabaseRows } from '../support/logical-copy.js';
import { startTestApp, waitFor } from '../support/test-app.js';

/**
 * The bus after a restore onto a server whose transaction ids are behind (docs/event-bus.md,
 * "After a restore"; docs/operations.md, "Backup and restore"): restored events and consumer
 * cursors carry the old server's xids, new events the new server's lower ones. A consumer must
 * still get every new event, and none it had already consumed before the backup.
 */

@Injectable()
@EventConsumer({ name: 'test.restore-recorder', types: ['restore.*'] })
class Recorder implements EventHandler {
  static seen: string[] = [];
  async handle(events: HubEvent[]): Promise<void> {
    Recorder.seen.push(...events.map((e) => e.id));
  }
}

async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

async function publishEach(bus: EventBus, type: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  // One transaction each, as separate requests would.
  for (let i = 0; i < n; i++)
    ids.push(...(await bus.publish({ type, source: 'test', data: { i } })));
  return ids;
}

describe('event bus after a restore', () => {
  it('onto a server whose xids are behind: consumers get every new event and no consumed one again', async () => {
    Recorder.seen = [];
    const source = await startTestApp({ providers: [Recorder] });
    let before: string[];
    try {
      // Move the source's xids past what a new server starts with, as on any server that has
      // run for a while.
      await sql(
        source.databaseUrl,
        `DO $$ BEGIN FOR i IN 1..5000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`,
      );
      before = await publishEach(source.app.get(EventBus), 'restore.before', 3);
      await waitFor(() => before.every((id) => Recorder.seen.includes(id)), 15_000, 'consumed');
    } finally {
      await source.close();
    }

    const server = await prepareTestServer();
    try {
      const restoredUrl = new URL(server.adminUrl);
      restoredUrl.pathname = '/hub_restored';
      await ensureDatabase(server.adminUrl, 'hub_restored', server.template);
      await copyDatabaseRows(source.databaseUrl, restoredUrl.toString());
      const [{ next, low }] = await sql<{ next: string; low: string }>(
        restoredUrl.toString(),
        `SELECT pg_current_xact_id()::text AS next, (SELECT min(tx)::text FROM events) AS low`,
      );
      expect(BigInt(next)).toBeLessThan(BigInt(low)); // the case that skipped new events

      Recorder.seen = [];
      const restored = await startTestApp({
        providers: [Recorder],
        databaseUrl: restoredUrl.toString(),
      });
      try {
        const after = await publishEach(restored.app.get(EventBus), 'restore.after', 3);
        await waitFor(
          () => after.every((id) => Recorder.seen.includes(id)),
          15_000,
          'the new events to be consumed',
        );
        expect(Recorder.seen).toEqual(after);
        // The restored events are still in the log, in their order, ids unchanged.
        const [{ ids }] = await sql<{ ids: string[] }>(
          restoredUrl.toString(),
          `SELECT array_agg(id::text ORDER BY tx, id) AS ids FROM events WHERE type LIKE 'restore.%'`,
        );
        expect(ids).toEqual([...before, ...after]);
      } finally {
        await restored.close();
      }
    } finally {
      await server.embedded?.stop();
      if (server.embedded) fs.rmSync(server.embedded.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
