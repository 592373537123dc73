import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable job layer (src/jobs): jobs claimed under a lease, one row per attempt, and
 * recurring schedules that become jobs once per period across all instances.
 */
export class Jobs1764610000000 implements MigrationInterface {
  name = 'Jobs1764610000000';

  public async up(q: QueryRunner): Promise<void> {
    // seq: enqueue order (uuids do not sort), which perKey and the list cursor rely on.
    // attempt counts runs started; failures counts consecutive retries (the retry schedule
    // index), reset by done, reschedule and an operator retry.
    await q.query(`
      CREATE TABLE jobs (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        queue             text NOT NULL,
        key               text,
        dedupe_key        text,
        payload           jsonb NOT NULL DEFAULT '{}'::jsonb,
        status            text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        attempt           integer NOT NULL DEFAULT 0,
        failures          integer NOT NULL DEFAULT 0,
        run_at            timestamptz NOT NULL DEFAULT now(),
        lease_owner       text,
        lease_id          uuid,
        lease_expires_at  timestamptz,
        last_error        text,
        last_summary      text,
        correlation_id    text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        finished_at       timestamptz
      )`);
    // The claim: a queue's due pending jobs, oldest due first.
    await q.query(
      `CREATE INDEX jobs_due_idx ON jobs (queue, run_at, seq) WHERE status = 'pending'`,
    );
    // perKey: "is an earlier job of this key pending, or one running?"
    await q.query(
      `CREATE INDEX jobs_key_order_idx ON jobs (queue, key, seq)
       WHERE status IN ('pending', 'running') AND key IS NOT NULL`,
    );
    // Reclaiming the jobs of a crashed or partitioned worker.
    await q.query(
      `CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE status = 'running'`,
    );
    // dedupeKey: at most one pending job per (queue, dedupe key); enqueue uses ON CONFLICT.
    await q.query(
      `CREATE UNIQUE INDEX jobs_dedupe_uq ON jobs (queue, dedupe_key)
       WHERE status = 'pending' AND dedupe_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX jobs_queue_seq_idx ON jobs (queue, seq)`);
    await q.query(
      `CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL`,
    );

    // applied: false when the worker had lost its lease and its outcome was not written.
    await q.query(`
      CREATE TABLE job_attempts (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job_id       uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        attempt      integer NOT NULL,
        started_at   timestamptz NOT NULL,
        duration_ms  integer NOT NULL,
        outcome      text NOT NULL,
        summary      text,
        error        text,
        instance     text NOT NULL,
        applied      boolean NOT NULL DEFAULT true
      )`);
    await q.query(`CREATE INDEX job_attempts_job_idx ON job_attempts (job_id, id)`);
    await q.query(`CREATE INDEX job_attempts_started_idx ON job_attempts (started_at)`);

    await q.query(`
      CREATE TABLE job_schedules (
        queue        text NOT NULL,
        key          text NOT NULL,
        every_ms     bigint NOT NULL CHECK (every_ms > 0),
        payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
        next_run_at  timestamptz NOT NULL,
        last_run_at  timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue, key)
      )`);
    await q.query(`CREATE INDEX job_schedules_due_idx ON job_schedules (next_run_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_schedules`);
    await q.query(`DROP TABLE job_attempts`);
    await q.query(`DROP TABLE jobs`);
  }
}
