import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sync change log's identity: the id every cursor carries, and where the log was when
 * that id was given (server, timeline, database, this table). The app writes the row at its
 * first start and starts a new log when the database turns out to be a restored or moved copy
 * (src/sync/log/log-identity.ts). The migration writes no row: the app writes it where it runs.
 */
export class SyncLogIdentity1764706000000 implements MigrationInterface {
  name = 'SyncLogIdentity1764706000000';

  public async up(q: QueryRunner): Promise<void> {
    // legacy_cursors: cursors of the format before log ids were issued on this log.
    await q.query(`
      CREATE TABLE sync_log_identity (
        one                boolean PRIMARY KEY DEFAULT true CHECK (one),
        log_id             text NOT NULL,
        system_identifier  text,
        timeline           text,
        database_oid       oid NOT NULL,
        table_oid          oid NOT NULL,
        legacy_cursors     boolean NOT NULL,
        started_at         timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_log_identity`);
  }
}
