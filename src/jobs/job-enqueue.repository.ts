import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { clampRunAt } from './job-delay.js';

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

/** New rows in `jobs`, and the NOTIFY that wakes the workers at commit. */
@Injectable()
export class JobEnqueueRepository {
  /**
   * Inserts a job, or with a dedupe key finds (and locks, until the caller's transaction ends)
   * the pending job already holding it, and NOTIFYs the job's queue at commit either way.
   * Returns the id and whether a row was created. A conflicting job claimed between the
   * insert and the lookup is no longer pending work, so the insert is tried again.
   *
   * The NOTIFY also when folded into a pending job: that job stays locked until the commit,
   * so a claim meanwhile skipped it and its worker sleeps (it was due before, so no due timer
   * and no "came due" pass); only this NOTIFY wakes it before the safety-net poll.
   */
  async insert(m: EntityManager, job: NewJob): Promise<{ id: string; created: boolean }> {
    const found = await this.insertOrFind(m, job);
    await this.notify(m, job.queue);
    return found;
  }

  private async insertOrFind(
    m: EntityManager,
    job: NewJob,
  ): Promise<{ id: string; created: boolean }> {
    for (let tries = 0; ; tries++) {
      // Raw: ON CONFLICT against the partial unique index on pending dedupe keys.
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
    // Raw: pg_notify is a function call, not a table.
    await m.query(`SELECT pg_notify($1, $2)`, [JOBS_CHANNEL, queue]);
  }
}
