import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { storableText } from '../common/http/storable-text.js';
import { clampDelayMs, clampRunAt } from './job-delay.js';

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

/** Outcomes on `jobs`: a worker's result and its `job_attempts` row. */
@Injectable()
export class JobSettleRepository {
  /**
   * Applies a worker's outcome only while it still holds the lease; the attempt row is written
   * either way (`applied` false when a newer owner had taken the job over). The delay and run
   * time are clamped and the texts (which may quote a peer) made storable here, so no
   * handler's outcome can make this statement fail and strand the job as `running`.
   */
  async settle(m: EntityManager, s: Settlement): Promise<boolean> {
    // Raw: the lease-checked settle and its attempt row in one statement, one round trip a job.
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
}
