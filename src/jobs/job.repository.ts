import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { storableText } from '../common/http/storable-text.js';
import type { JobAttemptDto, JobDto, JobStatus, QueueStatsDto } from './dto/job.dto.js';
import { clampDelayMs, clampRunAt } from './job-delay.js';

/** NOTIFY channel that wakes job workers on every instance; the payload is the queue. */
export const JOBS_CHANNEL = 'hub_jobs';

export interface NewJob {
  queue: string;
  payload: Record<string, unknown>;
  key?: string | null;
  dedupeKey?: string | null;
  runAt?: Date | null;
  correlationId?: string | null;
}

export interface ClaimedJob {
  id: string;
  queue: string;
  key: string | null;
  payload: Record<string, unknown>;
  attempt: number;
  failures: number;
  correlationId: string | null;
  createdAt: Date;
  leaseId: string;
}

/** How a worker leaves a job, with the attempt row written in the same statement. */
export interface Settlement {
  id: string;
  leaseId: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** For pending: run after this delay, or at `runAt`. */
  delayMs?: number;
  runAt?: Date;
  failures: number;
  lastError: string | null;
  lastSummary: string | null;
  attempt: {
    number: number;
    startedAt: Date;
    durationMs: number;
    outcome: string;
    summary: string | null;
    error: string | null;
    instance: string;
  };
}

const JOB_COLUMNS = `j.id, j.queue, j.key, j.dedupe_key AS "dedupeKey", j.payload, j.status, j.attempt,
  j.run_at AS "runAt", j.lease_owner AS "leaseOwner", j.lease_expires_at AS "leaseExpiresAt",
  j.last_error AS "lastError", j.last_summary AS "lastSummary", j.correlation_id AS "correlationId",
  j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.finished_at AS "finishedAt"`;

/** SQL over jobs and job_attempts (job_schedules: ScheduleRepository). */
@Injectable()
export class JobRepository {
  /**
   * Inserts a job, or with a dedupe key finds (and locks, until the caller's transaction ends)
   * the pending job already holding it. Returns the id and whether a row was created. A
   * conflicting job claimed between the insert and the lookup is no longer pending work, so
   * the insert is tried again.
   */
  async insert(m: EntityManager, job: NewJob): Promise<{ id: string; created: boolean }> {
    for (let tries = 0; ; tries++) {
      const rows: { id: string }[] = await m.query(
        `INSERT INTO jobs (queue, key, dedupe_key, payload, run_at, correlation_id)
         VALUES ($1, $2, $3, $4::jsonb, COALESCE($5::timestamptz, now()), $6)
         ON CONFLICT (queue, dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [
          job.queue,
          job.key ?? null,
          job.dedupeKey ?? null,
          JSON.stringify(job.payload),
          job.runAt ? clampRunAt(job.runAt) : null,
          job.correlationId ?? null,
        ],
      );
      if (rows.length) return { id: rows[0].id, created: true };
      // Locked until the caller commits: a worker claiming it now (SKIP LOCKED) would run it
      // with state read before the caller's own writes, and the work merged into it would be
      // lost. Once the caller commits, the job runs with what the caller wrote.
      const [existing]: { id: string }[] = await m.query(
        `SELECT id FROM jobs WHERE queue = $1 AND dedupe_key = $2 AND status = 'pending' FOR UPDATE`,
        [job.queue, job.dedupeKey],
      );
      if (existing) return { id: existing.id, created: false };
      if (tries >= 3) throw new Error(`could not enqueue ${job.queue} job ${job.dedupeKey}`);
    }
  }

  /** Sent at commit: workers of every instance look at `queue`. */
  async notify(m: EntityManager, queue: string): Promise<void> {
    await m.query(`SELECT pg_notify($1, $2)`, [JOBS_CHANNEL, queue]);
  }

  /**
   * Claims up to `limit` due jobs of `queue` under a fresh lease. SKIP LOCKED lets any number
   * of workers claim side by side. With `perKey`, a job is claimable only when no job of its
   * key is running and none enqueued before it is pending (waiting for a retry included).
   * `busy`: jobs and keys whose handler is still running on this instance (it may have lost
   * its lease): never claimed here until it returns.
   */
  async claim(
    m: EntityManager,
    queue: string,
    limit: number,
    perKey: boolean,
    leaseMs: number,
    owner: string,
    busy: { ids: string[]; keys: string[] } = { ids: [], keys: [] },
  ): Promise<ClaimedJob[]> {
    const [rows]: [ClaimedJob[], number] = await m.query(
      `WITH due AS (
         SELECT j.id FROM jobs j
         WHERE j.queue = $1 AND j.status = 'pending' AND j.run_at <= now()
           AND NOT (j.id = ANY($6::uuid[]))
           AND (NOT $3::boolean OR j.key IS NULL OR (NOT (j.key = ANY($7::text[])) AND NOT EXISTS (
             SELECT 1 FROM jobs e
             WHERE e.queue = j.queue AND e.key = j.key AND e.id <> j.id
               AND (e.status = 'running' OR (e.status = 'pending' AND e.seq < j.seq)))))
         ORDER BY j.run_at, j.seq
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE jobs j SET status = 'running', attempt = j.attempt + 1, lease_owner = $5,
         lease_id = gen_random_uuid(), lease_expires_at = now() + $4::int * interval '1 millisecond',
         updated_at = now()
       FROM due WHERE j.id = due.id
       RETURNING j.id, j.queue, j.key, j.payload, j.attempt, j.failures,
         j.correlation_id AS "correlationId", j.created_at AS "createdAt", j.lease_id AS "leaseId"`,
      [queue, limit, perKey, leaseMs, owner, busy.ids, busy.keys],
    );
    return rows;
  }

  /**
   * Keeps a running job's lease for at least `leaseMs` more while its handler, past its
   * timeout, has not returned. False when the lease is no longer ours.
   */
  async renewLease(
    m: EntityManager,
    id: string,
    leaseId: string,
    leaseMs: number,
  ): Promise<boolean> {
    const [, n]: [unknown, number] = await m.query(
      `UPDATE jobs SET lease_expires_at = GREATEST(lease_expires_at, now() + $3::int * interval '1 millisecond')
       WHERE id = $1 AND lease_id = $2 AND status = 'running'`,
      [id, leaseId, leaseMs],
    );
    return n > 0;
  }

  /**
   * Applies a worker's outcome only while it still holds the lease; the attempt row is written
   * either way (`applied` false when a newer owner had taken the job over). The delay and run
   * time are clamped and the texts (which may quote a peer) made storable here, so no
   * handler's outcome can make this statement fail and strand the job as `running`.
   */
  async settle(m: EntityManager, s: Settlement): Promise<boolean> {
    const [row]: { applied: boolean }[] = await m.query(
      `WITH settled AS (
         UPDATE jobs SET status = $3,
           run_at = CASE WHEN $3 = 'pending'
             THEN COALESCE($4::timestamptz, now() + COALESCE($5::bigint, 0) * interval '1 millisecond')
             ELSE run_at END,
           failures = $6, last_error = $7, last_summary = $8,
           lease_owner = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = now(),
           finished_at = CASE WHEN $3 IN ('succeeded', 'failed') THEN now() END
         WHERE id = $1 AND lease_id = $2 AND status = 'running'
         RETURNING id
       )
       INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, summary, error, instance, applied)
       VALUES ($1, $9, $10, $11, $12, $13, $14, $15, EXISTS (SELECT 1 FROM settled))
       RETURNING applied`,
      [
        s.id,
        s.leaseId,
        s.status,
        s.runAt ? clampRunAt(s.runAt) : null,
        s.delayMs === undefined ? null : clampDelayMs(s.delayMs),
        s.failures,
        storableText(s.lastError),
        storableText(s.lastSummary),
        s.attempt.number,
        s.attempt.startedAt,
        Math.round(s.attempt.durationMs),
        s.attempt.outcome,
        storableText(s.attempt.summary),
        storableText(s.attempt.error),
        s.attempt.instance,
      ],
    );
    return row.applied;
  }

  /**
   * Puts running jobs whose lease expired (their worker died, stalled or lost the database)
   * back to pending, and records the lost attempt. It counts as a failure, so a job that
   * crashes its process every time runs out of retries instead of looping forever.
   * Returns the queues that got work back.
   */
  async reclaimExpired(m: EntityManager, limit: number): Promise<string[]> {
    const rows: { queue: string }[] = await m.query(
      `WITH expired AS (
         SELECT id, attempt, lease_owner, updated_at FROM jobs
         WHERE status = 'running' AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), reset AS (
         UPDATE jobs j SET status = 'pending', run_at = now(), lease_owner = NULL, lease_id = NULL,
           lease_expires_at = NULL, failures = j.failures + 1,
           last_error = 'lease expired before the worker settled the job',
           updated_at = now()
         FROM expired WHERE j.id = expired.id
         RETURNING j.id, j.queue
       ), logged AS (
         INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, error, instance)
         SELECT e.id, e.attempt, e.updated_at,
           LEAST(extract(epoch FROM now() - e.updated_at) * 1000, 2147483647)::int, 'lease-expired',
           'lease expired before the worker settled the job', COALESCE(e.lease_owner, 'unknown')
         FROM expired e JOIN reset r ON r.id = e.id
       )
       SELECT DISTINCT queue FROM reset`,
      [limit],
    );
    return rows.map((r) => r.queue);
  }

  async list(
    m: EntityManager,
    f: { queue?: string; status?: JobStatus; key?: string; beforeSeq?: string; limit: number },
  ): Promise<(JobDto & { seq: string })[]> {
    return m.query(
      `SELECT ${JOB_COLUMNS}, j.seq::text AS seq FROM jobs j
       WHERE ($1::text IS NULL OR j.queue = $1) AND ($2::text IS NULL OR j.status = $2)
         AND ($3::text IS NULL OR j.key = $3) AND ($4::bigint IS NULL OR j.seq < $4)
       ORDER BY j.seq DESC LIMIT $5`,
      [f.queue ?? null, f.status ?? null, f.key ?? null, f.beforeSeq ?? null, f.limit],
    );
  }

  async findOne(m: EntityManager, id: string): Promise<JobDto | undefined> {
    const [row]: JobDto[] = await m.query(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1`, [
      id,
    ]);
    return row;
  }

  async attempts(m: EntityManager, jobId: string): Promise<JobAttemptDto[]> {
    return m.query(
      `SELECT attempt, started_at AS "startedAt", duration_ms AS "durationMs", outcome, summary,
         error, instance, applied
       FROM job_attempts WHERE job_id = $1 ORDER BY id`,
      [jobId],
    );
  }

  /**
   * A failed or cancelled job back to pending, due now, with a fresh retry schedule.
   * 'duplicate' when a pending job already holds its dedupe key.
   */
  async retryNow(m: EntityManager, id: string): Promise<string | undefined | 'duplicate'> {
    try {
      const [rows]: [{ queue: string }[], number] = await m.query(
        `UPDATE jobs SET status = 'pending', run_at = now(), failures = 0, finished_at = NULL,
           updated_at = now()
         WHERE id = $1 AND status IN ('failed', 'cancelled') RETURNING queue`,
        [id],
      );
      return rows[0]?.queue;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return 'duplicate';
      throw err;
    }
  }

  /** A pending job is cancelled; false when it is not pending (or does not exist). */
  async cancel(m: EntityManager, id: string): Promise<boolean> {
    const [, n]: [unknown, number] = await m.query(
      `UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
    return n > 0;
  }

  /** Per queue with any pending, running or failed job. */
  async stats(m: EntityManager): Promise<QueueStatsDto[]> {
    const rows: {
      queue: string;
      pending: string;
      due: string;
      running: string;
      failed: string;
      oldest: number | null;
    }[] = await m.query(
      `SELECT queue,
         count(*) FILTER (WHERE status = 'pending') AS pending,
         count(*) FILTER (WHERE status = 'pending' AND run_at <= now()) AS due,
         count(*) FILTER (WHERE status = 'running') AS running,
         count(*) FILTER (WHERE status = 'failed') AS failed,
         extract(epoch FROM now() - min(run_at) FILTER (WHERE status = 'pending' AND run_at <= now()))::float8 AS oldest
       FROM jobs WHERE status IN ('pending', 'running', 'failed')
       GROUP BY queue ORDER BY queue`,
    );
    return rows.map((r) => ({
      queue: r.queue,
      pending: Number(r.pending),
      due: Number(r.due),
      running: Number(r.running),
      failed: Number(r.failed),
      oldestDueAgeSeconds: r.oldest === null ? 0 : Math.max(0, r.oldest),
    }));
  }
}
