import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-binding scope version, so a run with nothing to do reads no appointment or target
 * rows (docs/calendar.md, "Runs with nothing to do").
 *
 * scope_version: bumped in the appointment projection's transaction for every binding a
 * change concerns, and by every edit of the binding.
 * synced_scope_version: the scope_version a clean run started from; null (every binding
 * today, and after any run that did not end clean) means unknown, so the next run is full.
 */
export class CalendarScopeVersion1764730500000 implements MigrationInterface {
  name = 'CalendarScopeVersion1764730500000';

  public async up(q: QueryRunner): Promise<void> {
    // A constant default and a nullable column: neither rewrites the table.
    await q.query(
      `ALTER TABLE calendar_bindings
         ADD COLUMN scope_version bigint NOT NULL DEFAULT 0,
         ADD COLUMN synced_scope_version bigint`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE calendar_bindings DROP COLUMN synced_scope_version, DROP COLUMN scope_version`,
    );
  }
}
