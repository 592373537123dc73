import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The artifact store (POST /artifacts): one row per artifact and its bytes in chunk rows,
 * written one chunk per statement while the upload streams in, so no transaction stays open
 * for the length of an upload (it would hold back every consumer's watermark). A row whose
 * `completed_at` is null is an upload under way, or one cut off by a crash; nothing reads its
 * bytes, and retention removes it like any other (ARTIFACT_RETENTION). `last_used_at` moves
 * forward when an event names the artifact and to the expiry of each link a delivery carries,
 * so retention counts from the last use.
 */
export class Artifacts1764730300000 implements MigrationInterface {
  name = 'Artifacts1764730300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE artifacts (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL,
        content_type  text NOT NULL,
        size          bigint NOT NULL DEFAULT 0,
        sha256        text,
        created_by    text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        completed_at  timestamptz,
        last_used_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX artifacts_last_used_idx ON artifacts (last_used_at)`);
    await q.query(`
      CREATE TABLE artifact_chunks (
        artifact_id  uuid NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
        seq          integer NOT NULL,
        data         bytea NOT NULL,
        PRIMARY KEY (artifact_id, seq)
      )`);
    // Artifacts are mostly compressed or binary already: store chunks out of line without
    // trying to compress each one first.
    await q.query(`ALTER TABLE artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifact_chunks`);
    await q.query(`DROP TABLE artifacts`);
  }
}
