import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';
import type { NextDue } from './engine/leased-queue.js';

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

/** Leases on `jobs`: the claim, its renewal, and the reclaim of leases that expired. */
@Injectable()
export class JobLeaseRepository {
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
    // Raw: a SKIP LOCKED claim and its lease in one statement.
    const { rows } = await rawWrite<ClaimedJob>(
      m,
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
   * The next pending job of `queue` due later, and whether one came due in the last
   * `lookbackMs`, by the database's clock (see LeasedQueue.nextDue). Reads jobs_due_idx.
   */
  async nextDue(m: EntityManager, queue: string, lookbackMs: number): Promise<NextDue> {
    // Raw: two range reads of the partial due index, measured against the server's now().
    const [row]: { inMs: number | null; cameDue: boolean }[] = await m.query(
      `SELECT (SELECT (extract(epoch FROM min(run_at) - now()) * 1000)::float8
                 FROM jobs WHERE queue = $1 AND status = 'pending' AND run_at > now()) AS "inMs",
              EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND status = 'pending'
                        AND run_at <= now()
                        AND run_at > now() - $2::float8 * interval '1 millisecond') AS "cameDue"`,
      [queue, lookbackMs],
    );
    return row;
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
    // Raw: the expiry only moves later (GREATEST), and only while the lease id is ours.
    const { affected } = await rawWrite(
      m,
      `UPDATE jobs SET lease_expires_at = GREATEST(lease_expires_at, now() + $3::int * interval '1 millisecond')
       WHERE id = $1 AND lease_id = $2 AND status = 'running'`,
      [id, leaseId, leaseMs],
    );
    return affected > 0;
  }

  /**
   * Puts running jobs whose lease expired (their worker died, stalled or lost the database)
   * back to pending, and records the lost attempt. It counts as a failure, so a job that
   * crashes its process every time runs out of retries instead of looping forever.
   * Returns the queues that got work back.
   */
  async reclaimExpired(m: EntityManager, limit: number): Promise<string[]> {
    // Raw: a SKIP LOCKED claim of expired leases, their reset and attempt rows in one statement.
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
}
