import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disconnecting a calendar account (DELETE /calendar/account): the row stays as a tombstone
 * (hidden from every read, refusing a new PUT) until the user's last `calendar.cleanup` job
 * has removed the hub's objects from the server with the sealed password, then it is deleted.
 */
export class CalendarAccountDisconnect1764690000000 implements MigrationInterface {
  name = 'CalendarAccountDisconnect1764690000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_accounts ADD COLUMN disconnected_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_accounts DROP COLUMN disconnected_at`);
  }
}
