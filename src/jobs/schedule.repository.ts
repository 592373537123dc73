import { Injectable } from '@nestjs/common';
import { EntityManager, type QueryDeepPartialEntity, Repository } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';
import { JobScheduleEntity } from './schedule.entity.js';

/** NOTIFY channel: a schedule was written; the payload is ms until its next run. */
export const SCHEDULES_CHANNEL = 'hub_job_schedules';

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

export interface ScheduleWrite {
  queue: string;
  key: string;
  period: SchedulePeriod;
  payload: Record<string, unknown>;
  firstRunAt: Date | null;
  cronNextRunAt: Date | null;
}

/**
 * `job_schedules`: created, updated, listed and deleted through its entity; claimed with SKIP
 * LOCKED (raw), so each run fires on one instance.
 */
@Injectable()
export class ScheduleRepository {
  /** The database's clock, which every instance shares (cron rules are read against it). */
  async now(m: EntityManager): Promise<Date> {
    // Raw: a clock reading, no table.
    const [row]: { now: Date }[] = await m.query(`SELECT now() AS now`);
    return row.now;
  }

  /**
   * Creates or updates a schedule. An unchanged period or rule keeps its next run time (so
   * every instance may call this at start-up); a shorter period takes effect at once; a new
   * cron rule runs at `cronNextRunAt`, its next fire time. The row is locked while its next
   * run is worked out (in the caller's transaction, or one of its own), so a claim or another
   * instance's call cannot land in between.
   */
  upsert(m: EntityManager, s: ScheduleWrite): Promise<void> {
    if (m.queryRunner?.isTransactionActive) return this.write(m, s);
    return m.transaction((t) => this.write(t, s));
  }

  private async write(m: EntityManager, s: ScheduleWrite): Promise<void> {
    const period = {
      everyMs: 'everyMs' in s.period ? s.period.everyMs : null,
      cron: 'cron' in s.period ? s.period.cron : null,
      timeZone: 'cron' in s.period ? s.period.timeZone : null,
    };
    // The next run of a new period or rule: firstRunAt, the rule's next fire time, or one period on.
    const fresh = async () =>
      s.firstRunAt ??
      s.cronNextRunAt ??
      new Date((await this.now(m)).getTime() + (period.everyMs ?? 0));
    // jsonb is written whole; TypeORM's deep-partial type cannot express "any JSON object".
    const payload = s.payload as QueryDeepPartialEntity<JobScheduleEntity>['payload'];
    const rows = this.rows(m);
    const id = { queue: s.queue, key: s.key };
    for (let tries = 0; ; tries++) {
      const row = await rows.findOne({ where: id, lock: { mode: 'pessimistic_write' } });
      if (row) {
        const same =
          row.everyMs === period.everyMs &&
          row.cron === period.cron &&
          row.timeZone === period.timeZone;
        let nextRunAt = row.nextRunAt;
        if (s.firstRunAt) nextRunAt = s.firstRunAt;
        else if (!same && period.cron !== null) nextRunAt = await fresh();
        else if (!same) nextRunAt = earlier(row.nextRunAt, await fresh());
        await rows.update(id, { ...period, payload, nextRunAt });
        return this.announce(m, s.queue, s.key);
      }
      // ON CONFLICT DO NOTHING: when another call inserted it meanwhile, the next pass locks it.
      const inserted = await rows
        .createQueryBuilder()
        .insert()
        .values({ ...id, ...period, payload, nextRunAt: await fresh() })
        .orIgnore()
        .returning(['queue'])
        .execute();
      if ((inserted.raw as unknown[]).length) return this.announce(m, s.queue, s.key);
      if (tries >= 3) throw new Error(`could not schedule ${s.queue}/${s.key}`);
    }
  }

  /**
   * Tells every instance's scheduler, at commit, in how many ms this schedule next runs
   * (NOTIFY on SCHEDULES_CHANNEL), so a timer armed for a later moment is brought forward.
   */
  private async announce(m: EntityManager, queue: string, key: string): Promise<void> {
    // Raw: pg_notify is a function call; the delay is read against the server's clock.
    await m.query(
      `SELECT pg_notify($3, GREATEST(0, ceil(extract(epoch FROM next_run_at - now()) * 1000))::bigint::text)
       FROM job_schedules WHERE queue = $1 AND key = $2`,
      [queue, key, SCHEDULES_CHANNEL],
    );
  }

  /**
   * Milliseconds until the scheduler has something to do, by the database's clock: the
   * earliest schedule run, or the earliest running job's lease to expire (a crashed
   * worker's job goes back to pending then). Null when there is neither.
   */
  async nextWakeInMs(m: EntityManager): Promise<number | null> {
    // Raw: two index reads (job_schedules_due_idx, jobs_lease_idx) against the server's now().
    const [row]: { ms: number | null }[] = await m.query(
      `SELECT (extract(epoch FROM LEAST(
           (SELECT min(next_run_at) FROM job_schedules),
           (SELECT min(lease_expires_at) FROM jobs WHERE status = 'running')
         ) - now()) * 1000)::float8 AS ms`,
    );
    return row.ms;
  }

  /** Queues that have a schedule, for the start-up check. */
  async queues(m: EntityManager): Promise<string[]> {
    const rows = await this.rows(m)
      .createQueryBuilder('s')
      .select('s.queue', 'queue')
      .distinct(true)
      .orderBy('s.queue')
      .getRawMany<{ queue: string }>();
    return rows.map((r) => r.queue);
  }

  async delete(m: EntityManager, queue: string, key: string): Promise<boolean> {
    const { affected } = await this.rows(m).delete({ queue, key });
    return (affected ?? 0) > 0;
  }

  /**
   * Takes due schedules (SKIP LOCKED: one instance per schedule and run). A periodic one
   * moves to its first period boundary after now, so periods missed while no instance ran
   * fire once; a cron one keeps its row lock until the caller's setNextRuns in the same
   * transaction, which also enqueues their jobs.
   */
  async claimDue(m: EntityManager, limit: number): Promise<DueSchedule[]> {
    // Raw: a SKIP LOCKED claim and its advance in one statement.
    const { rows } = await rawWrite<DueSchedule>(
      m,
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
    // Raw: a batch of next runs in one UPDATE (unnest), in the claim's transaction.
    await m.query(
      `UPDATE job_schedules s SET next_run_at = v.next
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(queue, key, next)
       WHERE s.queue = v.queue AND s.key = v.key`,
      [runs.map((r) => r.queue), runs.map((r) => r.key), runs.map((r) => r.nextRunAt)],
    );
  }

  /** By queue and key, after the (queue, key) of the previous page. */
  async list(
    m: EntityManager,
    f: { queue?: string; after?: { queue: string; key: string }; limit: number },
  ): Promise<ScheduleRow[]> {
    const page = this.rows(m)
      .createQueryBuilder('s')
      .orderBy('s.queue')
      .addOrderBy('s.key')
      .limit(f.limit);
    if (f.queue !== undefined) page.andWhere('s.queue = :queue', { queue: f.queue });
    if (f.after)
      page.andWhere('(s.queue, s.key) > (:afterQueue, :afterKey)', {
        afterQueue: f.after.queue,
        afterKey: f.after.key,
      });
    return (await page.getMany()).map((s) => ({
      queue: s.queue,
      key: s.key,
      intervalMs: s.everyMs,
      cron: s.cron,
      timeZone: s.timeZone,
      lastRunAt: s.lastRunAt,
      nextRunAt: s.nextRunAt,
    }));
  }

  private rows(m: EntityManager): Repository<JobScheduleEntity> {
    return m.getRepository(JobScheduleEntity);
  }
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
