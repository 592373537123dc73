import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** How often a schedule fires: a fixed period, or a cron rule read in a time zone. */
export type SchedulePeriod = { everyMs: number } | { cron: string; timeZone: string };

export interface ScheduleRow {
  queue: string;
  key: string;
  intervalMs: number | null;
  cron: string | null;
  timeZone: string | null;
  lastRunAt: Date | null;
  nextRunAt: Date;
}

export interface DueSchedule {
  queue: string;
  key: string;
  payload: Record<string, unknown>;
  /** Set for a cron schedule: its next run is the caller's to compute (setNextRuns). */
  cron: string | null;
  timeZone: string | null;
  /** The database's time of the claim. */
  now: Date;
}

/** SQL over job_schedules: claimed with SKIP LOCKED, so each run fires on one instance. */
@Injectable()
export class ScheduleRepository {
  /** The database's clock, which every instance shares (cron rules are read against it). */
  async now(m: EntityManager): Promise<Date> {
    const [row]: { now: Date }[] = await m.query(`SELECT now() AS now`);
    return row.now;
  }

  /**
   * Creates or updates a schedule. An unchanged period or rule keeps its next run time (so
   * every instance may call this at start-up); a shorter period takes effect at once; a new
   * cron rule runs at `cronNextRunAt`, its next fire time.
   */
  async upsert(
    m: EntityManager,
    s: {
      queue: string;
      key: string;
      period: SchedulePeriod;
      payload: Record<string, unknown>;
      firstRunAt: Date | null;
      cronNextRunAt: Date | null;
    },
  ): Promise<void> {
    const every = 'everyMs' in s.period ? s.period.everyMs : null;
    const cron = 'cron' in s.period ? s.period : null;
    await m.query(
      `INSERT INTO job_schedules (queue, key, every_ms, cron, time_zone, payload, next_run_at)
       VALUES ($1, $2, $3::bigint, $4, $5, $6::jsonb,
         COALESCE($7::timestamptz, $8::timestamptz, now() + $3::bigint * interval '1 millisecond'))
       ON CONFLICT (queue, key) DO UPDATE SET every_ms = EXCLUDED.every_ms, cron = EXCLUDED.cron,
         time_zone = EXCLUDED.time_zone, payload = EXCLUDED.payload,
         next_run_at = CASE WHEN $7::timestamptz IS NOT NULL THEN EXCLUDED.next_run_at
           WHEN (job_schedules.every_ms, job_schedules.cron, job_schedules.time_zone)
             IS NOT DISTINCT FROM (EXCLUDED.every_ms, EXCLUDED.cron, EXCLUDED.time_zone)
             THEN job_schedules.next_run_at
           WHEN EXCLUDED.cron IS NOT NULL THEN EXCLUDED.next_run_at
           ELSE LEAST(job_schedules.next_run_at, EXCLUDED.next_run_at) END,
         updated_at = now()`,
      [
        s.queue,
        s.key,
        every,
        cron?.cron ?? null,
        cron?.timeZone ?? null,
        JSON.stringify(s.payload),
        s.firstRunAt,
        s.cronNextRunAt,
      ],
    );
  }

  /** Queues that have a schedule, for the start-up check. */
  async queues(m: EntityManager): Promise<string[]> {
    const rows: { queue: string }[] = await m.query(
      `SELECT DISTINCT queue FROM job_schedules ORDER BY queue`,
    );
    return rows.map((r) => r.queue);
  }

  async delete(m: EntityManager, queue: string, key: string): Promise<boolean> {
    const [, n]: [unknown, number] = await m.query(
      `DELETE FROM job_schedules WHERE queue = $1 AND key = $2`,
      [queue, key],
    );
    return n > 0;
  }

  /**
   * Takes due schedules (SKIP LOCKED: one instance per schedule and run). A periodic one
   * moves to its first period boundary after now, so periods missed while no instance ran
   * fire once; a cron one keeps its row lock until the caller's setNextRuns in the same
   * transaction, which also enqueues their jobs.
   */
  async claimDue(m: EntityManager, limit: number): Promise<DueSchedule[]> {
    // Raw SQL: a SKIP LOCKED claim and its advance in one statement.
    const [rows]: [DueSchedule[], number] = await m.query(
      `WITH due AS (
         SELECT queue, key FROM job_schedules WHERE next_run_at <= now()
         ORDER BY next_run_at LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE job_schedules s SET last_run_at = now(), updated_at = now(),
         next_run_at = CASE WHEN s.every_ms IS NULL THEN s.next_run_at
           ELSE s.next_run_at + (floor(extract(epoch FROM now() - s.next_run_at) * 1000 / s.every_ms) + 1)
             * s.every_ms * interval '1 millisecond' END
       FROM due WHERE s.queue = due.queue AND s.key = due.key
       RETURNING s.queue, s.key, s.payload, s.cron, s.time_zone AS "timeZone", now() AS now`,
      [limit],
    );
    return rows;
  }

  /** The next run of each claimed cron schedule, in one statement. */
  async setNextRuns(
    m: EntityManager,
    runs: { queue: string; key: string; nextRunAt: Date }[],
  ): Promise<void> {
    if (!runs.length) return;
    await m.query(
      `UPDATE job_schedules s SET next_run_at = v.next
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(queue, key, next)
       WHERE s.queue = v.queue AND s.key = v.key`,
      [runs.map((r) => r.queue), runs.map((r) => r.key), runs.map((r) => r.nextRunAt)],
    );
  }

  /** By queue and key, after the (queue, key) of the previous page. */
  list(
    m: EntityManager,
    f: { queue?: string; after?: { queue: string; key: string }; limit: number },
  ): Promise<ScheduleRow[]> {
    return m.query(
      `SELECT queue, key, every_ms::float8 AS "intervalMs", cron, time_zone AS "timeZone",
         last_run_at AS "lastRunAt", next_run_at AS "nextRunAt"
       FROM job_schedules
       WHERE ($1::text IS NULL OR queue = $1)
         AND ($2::text IS NULL OR (queue, key) > ($2::text, $3::text))
       ORDER BY queue, key LIMIT $4`,
      [f.queue ?? null, f.after?.queue ?? null, f.after?.key ?? null, f.limit],
    );
  }
}
