import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bucketsEnd, fillBuckets, type TimeBuckets } from '../../common/time-buckets.js';

export interface FailingConsumer {
  name: string;
  poisonCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
  /** The event it is retrying now (not yet poison), if any. */
  failingEventId: string | null;
}

/**
 * Read-only figures about the bus for the operator console: events accepted over time, and
 * consumers that are failing (retrying an event now, or holding poison records).
 */
@Injectable()
export class EventActivityService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Events accepted (stored) per bucket, by `created_at` (events_created_at_brin). */
  async publishedSeries(axis: TimeBuckets): Promise<number[]> {
    // Raw: a time-bucketed count over a range of the partitioned bus log.
    const rows: { b: number; n: number }[] = await this.db.query(
      `SELECT floor(extract(epoch FROM created_at - $1::timestamptz) / $3)::int AS b, count(*)::int AS n
       FROM events WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
      [axis.from, bucketsEnd(axis), axis.stepSeconds],
    );
    return fillBuckets(axis, rows, (r) => r.n, 0);
  }

  /**
   * Consumers retrying an event now (`failingEventId`) or with poison records still kept
   * (EVENT_CONSUMER_FAILURES_RETENTION), most poison first. The error shown is the current
   * one while retrying, else the newest poison record's.
   */
  async failingConsumers(limit: number): Promise<FailingConsumer[]> {
    // Raw: one pass over the consumers (a handful of rows) with a count of their poison records.
    const rows: {
      name: string;
      poison: number;
      error: string | null;
      at: Date | null;
      failing: string | null;
    }[] = await this.db.query(
      `SELECT c.name, f.n AS poison, c.failing_event_id::text AS failing,
         CASE WHEN c.failing_event_id IS NOT NULL THEN c.last_error ELSE f.last_error END AS error,
         CASE WHEN c.failing_event_id IS NOT NULL THEN c.last_error_at ELSE f.last_at END AS at
       FROM event_consumers c
       CROSS JOIN LATERAL (SELECT count(*)::int AS n, max(x.created_at) AS last_at,
                             (SELECT y.error FROM event_consumer_failures y WHERE y.consumer = c.name
                              ORDER BY y.id DESC LIMIT 1) AS last_error
                           FROM event_consumer_failures x WHERE x.consumer = c.name) f
       WHERE c.failing_event_id IS NOT NULL OR f.n > 0
       ORDER BY f.n DESC, c.name LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      name: r.name,
      poisonCount: r.poison,
      lastError: r.error,
      lastErrorAt: r.at === null ? null : new Date(r.at).toISOString(),
      failingEventId: r.failing,
    }));
  }
}
