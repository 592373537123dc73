import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every edit a client pushes updates its record's row. With full pages the new version went
 * to another page, so PostgreSQL added entries to both of the table's indexes (96% of the
 * updates in the push bench were not HOT, when a push still created records empty and then
 * updated them). Leaving a quarter of each page free lets an edit's new version stay on its
 * page, with no index work, and be pruned there later. Pages written before this keep their
 * old fill until they are rewritten; nothing needs to move now.
 */
export class SyncRecordsFillfactor1764870000000 implements MigrationInterface {
  name = 'SyncRecordsFillfactor1764870000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_records SET (fillfactor = 75)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_records RESET (fillfactor)`);
  }
}
