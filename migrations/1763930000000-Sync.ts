import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync: an append-only change log ordered by (writing transaction, sequence), the current
 * state of every record beside it, spaces with members, idempotency records for pushes,
 * per-app settings, and the compaction horizon. See docs/sync-protocol.md.
 */
export class Sync1763930000000 implements MigrationInterface {
  name = 'Sync1763930000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_spaces (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id      text NOT NULL,
        name        text NOT NULL,
        owner_id    text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_spaces_app_idx ON sync_spaces (app_id, created_at, id)`);
    // added_tx: the membership's position in the same order as the change log, so a pull
    // can tell a client "you joined this space after your cursor: load its snapshot".
    await q.query(`
      CREATE TABLE sync_space_members (
        space_id    uuid NOT NULL REFERENCES sync_spaces (id) ON DELETE CASCADE,
        user_id     text NOT NULL,
        role        text NOT NULL CHECK (role IN ('owner', 'member')),
        added_tx    xid8 NOT NULL DEFAULT pg_current_xact_id(),
        added_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (space_id, user_id)
      )`);
    await q.query(`CREATE INDEX sync_space_members_user_idx ON sync_space_members (user_id)`);
    // fields: { name: { value, at, clientId, eventId } }, every field ever written with its
    // winning write; inserted_at / deleted_at are the latest insert and delete times.
    await q.query(`
      CREATE TABLE sync_records (
        app_id       text NOT NULL,
        table_name   text NOT NULL,
        record_id    text NOT NULL,
        owner_id     text NOT NULL,
        space_id     uuid REFERENCES sync_spaces (id) ON DELETE CASCADE,
        fields       jsonb NOT NULL DEFAULT '{}',
        inserted_at  timestamptz,
        deleted_at   timestamptz,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, table_name, record_id)
      )`);
    await q.query(
      `CREATE INDEX sync_records_space_idx ON sync_records (space_id) WHERE space_id IS NOT NULL`,
    );
    // tx: the writing transaction; readers stop below pg_snapshot_xmin so a transaction that
    // commits late can never land behind a cursor already handed out (ARCHITECTURE.md).
    await q.query(`
      CREATE TABLE sync_changes (
        tx          xid8 NOT NULL DEFAULT pg_current_xact_id(),
        seq         bigint GENERATED ALWAYS AS IDENTITY,
        app_id      text NOT NULL,
        table_name  text NOT NULL,
        record_id   text NOT NULL,
        op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        owner_id    text NOT NULL,
        space_id    uuid,
        user_id     text NOT NULL,
        client_id   text NOT NULL,
        event_id    text NOT NULL,
        body        jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, tx, seq)
      )`);
    // Reads for a user merge their private rows with each of their spaces' rows, each range
    // in order from one of these (every row is in exactly one of them).
    await q.query(
      `CREATE INDEX sync_changes_private_idx ON sync_changes (app_id, owner_id, tx, seq) WHERE space_id IS NULL`,
    );
    await q.query(
      `CREATE INDEX sync_changes_space_idx ON sync_changes (space_id, tx, seq) WHERE space_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX sync_changes_created_idx ON sync_changes (created_at)`);
    // response: the exact answer of a push, returned again when the same changeset is retried.
    // Written at the end of the push's transaction; its eventIds are claimed first (no
    // foreign key, so the push row needs no second write). eventIds are scoped per user, so
    // one user cannot claim (and so drop) another's eventIds.
    await q.query(`
      CREATE TABLE sync_pushes (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id      text NOT NULL,
        user_id     text NOT NULL,
        client_id   text NOT NULL,
        response    text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_pushes_created_idx ON sync_pushes (created_at)`);
    await q.query(`
      CREATE TABLE sync_event_ids (
        app_id      text NOT NULL,
        user_id     text NOT NULL,
        event_id    text NOT NULL,
        push_id     uuid NOT NULL,
        PRIMARY KEY (app_id, user_id, event_id)
      )`);
    await q.query(`CREATE INDEX sync_event_ids_push_idx ON sync_event_ids (push_id)`);
    await q.query(`
      CREATE TABLE sync_app_settings (
        app_id          text PRIMARY KEY,
        publish_tables  text[] NOT NULL DEFAULT '{}',
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    // The newest pruned position per app: a cursor below it gets 410 { reset: true }.
    await q.query(`
      CREATE TABLE sync_horizons (
        app_id      text PRIMARY KEY,
        tx          xid8 NOT NULL,
        seq         bigint NOT NULL,
        pruned_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'sync_horizons',
      'sync_app_settings',
      'sync_event_ids',
      'sync_pushes',
      'sync_changes',
      'sync_records',
      'sync_space_members',
      'sync_spaces',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
