import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bucketsEnd, fillBuckets, type TimeBuckets } from '../../common/time-buckets.js';

/** Read-only figures for the operator console: log lines taken in over time. */
@Injectable()
export class LogScanActivityService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Lines in per bucket, all sources, from the per-minute rollup (log_scan_minutes). */
  async linesSeries(axis: TimeBuckets): Promise<number[]> {
    // Raw: a time-bucketed sum over the rollup's primary key range.
    const rows: { b: number; n: string }[] = await this.db.query(
      `SELECT floor(extract(epoch FROM minute - $1::timestamptz) / $3)::int AS b, sum(lines)::text AS n
       FROM log_scan_minutes WHERE minute >= $1 AND minute < $2 GROUP BY 1`,
      [axis.from, bucketsEnd(axis), axis.stepSeconds],
    );
    return fillBuckets(axis, rows, (r) => Number(r.n), 0);
  }
}
