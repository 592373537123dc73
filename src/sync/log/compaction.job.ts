import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { syncConfig } from '../../config/sync.config.js';
import { rawWrite } from '../../database/raw-write.js';
import { JobHandler, JobRunner, done, fromConfig, JobOutcome } from '../../jobs/index.js';

const BATCH = 5000;

/**
 * Every SYNC_COMPACTION_INTERVAL, default hourly (a job schedule, once across all instances;
 * perKey keeps two runs from overlapping): prunes change-log entries older than
 * SYNC_LOG_RETENTION, with the idempotency records of pushes as old. Per app it first raises
 * the horizon (the newest position being pruned) and commits it, then deletes in batches: a
 * reader whose cursor is below the horizon gets 410 { reset: true } and never an incomplete
 * delta.
 */
@Injectable()
@JobHandler({
  queue: 'sync.compaction',
  every: fromConfig('sync.compactionIntervalMs'),
  perKey: 1,
  maxInFlight: 1,
  timeoutMs: 600_000,
})
export class SyncCompactionJob implements JobRunner {
  private readonly logger = new Logger(SyncCompactionJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
  ) {}

  async run(): Promise<JobOutcome> {
    return done(`pruned ${await this.compact()} change-log rows`);
  }

  /** Returns the number of change-log rows removed. */
  async compact(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let removed = 0;
    try {
      const seconds = this.config.logRetentionMs / 1000;
      const apps: { app_id: string }[] = await runner.query(
        `SELECT DISTINCT app_id FROM sync_changes WHERE created_at < now() - make_interval(secs => $1)`,
        [seconds],
      );
      for (const { app_id: appId } of apps) {
        // Ordered by the qualified columns: the bare names are the text aliases ('9' > '10').
        const [top]: { tx: string; seq: string }[] = await runner.query(
          `SELECT c.tx::text AS tx, c.seq::text AS seq FROM sync_changes c
           WHERE c.app_id = $1 AND c.created_at < now() - make_interval(secs => $2)
           ORDER BY c.tx DESC, c.seq DESC LIMIT 1`,
          [appId, seconds],
        );
        if (!top) continue;
        await runner.query(
          `INSERT INTO sync_horizons (app_id, tx, seq) VALUES ($1, $2::xid8, $3::bigint)
           ON CONFLICT (app_id) DO UPDATE SET tx = EXCLUDED.tx, seq = EXCLUDED.seq, pruned_at = now()
           WHERE (sync_horizons.tx, sync_horizons.seq) < (EXCLUDED.tx, EXCLUDED.seq)`,
          [appId, top.tx, top.seq],
        );
        for (;;) {
          const { affected: n } = await rawWrite(
            runner,
            `DELETE FROM sync_changes WHERE ctid IN (
               SELECT ctid FROM sync_changes WHERE app_id = $1 AND (tx, seq) <= ($2::xid8, $3::bigint) LIMIT $4)`,
            [appId, top.tx, top.seq, BATCH],
          );
          removed += n;
          if (n < BATCH) break;
        }
      }
      // Retries older than the log are not expected; their records go with it.
      await runner.query(
        `WITH old AS (DELETE FROM sync_pushes WHERE created_at < now() - make_interval(secs => $1) RETURNING id)
         DELETE FROM sync_event_ids WHERE push_id IN (SELECT id FROM old)`,
        [seconds],
      );
      if (removed) this.logger.log(`pruned ${removed} sync change-log rows`);
      return removed;
    } finally {
      await runner.release();
    }
  }
}
