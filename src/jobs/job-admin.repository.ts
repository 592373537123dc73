import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';
import type { JobAttemptDto, JobDto, JobStatus, QueueStatsDto } from './dto/job.dto.js';

const JOB_COLUMNS = `j.id, j.queue, j.key, j.dedupe_key AS "dedupeKey", j.payload, j.status, j.attempt,
  j.run_at AS "runAt", j.lease_owner AS "leaseOwner", j.lease_expires_at AS "leaseExpiresAt",
  j.last_error AS "lastError", j.last_summary AS "lastSummary", j.correlation_id AS "correlationId",
  j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.finished_at AS "finishedAt"`;

/**
 * What the operator API reads and does on `jobs` and `job_attempts`: pages, one job with its
 * attempts, retry, cancel, and per-queue stats (also read by the metrics). Raw like the rest of
 * the jobs table, which has no entity: its rows are written by claims and settles.
 */
@Injectable()
export class JobAdminRepository {
  async list(
    m: EntityManager,
    f: { queue?: string; status?: JobStatus; key?: string; beforeSeq?: string; limit: number },
  ): Promise<(JobDto & { seq: string })[]> {
    // Raw: a keyset page by seq over optional filters.
    return m.query(
      `SELECT ${JOB_COLUMNS}, j.seq::text AS seq FROM jobs j
       WHERE ($1::text IS NULL OR j.queue = $1) AND ($2::text IS NULL OR j.status = $2)
         AND ($3::text IS NULL OR j.key = $3) AND ($4::bigint IS NULL OR j.seq < $4)
       ORDER BY j.seq DESC LIMIT $5`,
      [f.queue ?? null, f.status ?? null, f.key ?? null, f.beforeSeq ?? null, f.limit],
    );
  }

  async findOne(m: EntityManager, id: string): Promise<JobDto | undefined> {
    // Raw: the same columns as a page.
    const [row]: JobDto[] = await m.query(`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.id = $1`, [
      id,
    ]);
    return row;
  }

  async attempts(m: EntityManager, jobId: string): Promise<JobAttemptDto[]> {
    // Raw: job_attempts has no entity (rows come from settles and reclaims).
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
      // Raw: a conditional status change that answers with the job's queue.
      const { rows } = await rawWrite<{ queue: string }>(
        m,
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
    // Raw: a conditional status change on a table written only in SQL.
    const { affected } = await rawWrite(
      m,
      `UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [id],
    );
    return affected > 0;
  }

  /** Per queue with any pending, running or failed job. */
  async stats(m: EntityManager): Promise<QueueStatsDto[]> {
    // Raw: one aggregate pass with FILTER per status.
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
