import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the event bus's log was when the app last checked (server, timeline, database, this
 * table): when the database turns out to be a restored or moved copy, the app re-stamps the
 * restored events and consumer cursors below the new server's xids
 * (src/events/event-log-identity.ts). The migration writes no row: the app writes it where it runs.
 */
export class EventLogIdentity1764707000000 implements MigrationInterface {
  name = 'EventLogIdentity1764707000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_log_identity (
        one                boolean PRIMARY KEY DEFAULT true CHECK (one),
        system_identifier  text,
        timeline           text,
        database_oid       oid NOT NULL,
        table_oid          oid NOT NULL,
        started_at         timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_log_identity`);
  }
}
