import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { artifactsConfig } from '../config/artifacts.config.js';
import { jobsConfig } from '../config/jobs.config.js';
import { storageConfig } from '../config/storage.config.js';
import { syncConfig } from '../config/sync.config.js';
import { webhooksConfig } from '../config/webhooks.config.js';
import { done, fromConfig, Job, JobHandler, JobOutcome, JobRunner } from '../jobs/index.js';
import { PartitionMaintenance } from './partition-maintenance.js';
import { RETENTION_TABLES, RetentionSettings } from './retention-tables.js';
import { StorageRepository } from './storage.repository.js';

export interface PruneResult {
  table: string;
  rowsRemoved: number;
  partitionsRemoved: number;
  caughtUp: boolean;
}

/**
 * The one storage maintenance schedule (a job schedule: once per STORAGE_MAINTENANCE_INTERVAL
 * across all instances, perKey so two runs never overlap). It prunes every table of
 * RETENTION_TABLES that no other schedule prunes, one bounded batch per table in turn (so a
 * large backlog in one table does not starve the others), until every table is caught up or
 * the run's time budget (STORAGE_PRUNE_BUDGET) is spent; the next run goes on from there.
 * Partitioned logs first get their ranges ahead and drop the expired ones
 * (src/storage/partition-maintenance.ts).
 */
@Injectable()
@JobHandler({
  queue: 'storage.maintenance',
  every: fromConfig('storage.maintenanceIntervalMs'),
  perKey: 1,
  maxInFlight: 1,
  timeoutMs: fromConfig('storage.jobTimeoutMs'),
})
export class StorageMaintenanceJob implements JobRunner {
  private readonly logger = new Logger(StorageMaintenanceJob.name);
  private readonly settings: RetentionSettings;

  constructor(
    private readonly repo: StorageRepository,
    private readonly partitions: PartitionMaintenance,
    @Inject(storageConfig.KEY) private readonly config: ConfigType<typeof storageConfig>,
    @Inject(webhooksConfig.KEY) webhooks: ConfigType<typeof webhooksConfig>,
    @Inject(jobsConfig.KEY) jobs: ConfigType<typeof jobsConfig>,
    @Inject(syncConfig.KEY) sync: ConfigType<typeof syncConfig>,
    @Inject(artifactsConfig.KEY) artifacts: ConfigType<typeof artifactsConfig>,
  ) {
    this.settings = { storage: config, webhooks, jobs, sync, artifacts };
  }

  async run(job: Job): Promise<JobOutcome> {
    const results = await this.prune(job.signal);
    const removed = results.reduce((n, r) => n + r.rowsRemoved, 0);
    const dropped = results.reduce((n, r) => n + r.partitionsRemoved, 0);
    const behind = results.filter((r) => !r.caughtUp).map((r) => r.table);
    return done(
      `pruned ${removed} rows${dropped ? ` (${dropped} partitions dropped)` : ''}${behind.length ? `; budget spent, behind: ${behind.join(', ')}` : ''}`,
    );
  }

  /** One maintenance pass; records each table's result in storage_prunes. */
  async prune(signal?: AbortSignal): Promise<PruneResult[]> {
    const batch = this.config.pruneBatch;
    const deadline = Date.now() + this.config.pruneBudgetMs;
    const state = [];
    for (const t of RETENTION_TABLES.filter((r) => !r.prunedBy)) {
      const retentionMs = t.retentionMs(this.settings);
      const started = performance.now();
      // A partitioned log drops whole ranges first; what is left to prune by row is its
      // DEFAULT partition and the one a migration made of the old table.
      const pass = t.partitioned
        ? await this.partitions.pass(t, retentionMs).catch((err: Error) => {
            // Its lock stayed busy (a long transaction): the next run tries again.
            this.logger.warn(`partition maintenance of ${t.table} put off: ${err.message}`);
            return { rowPruned: [], rowsDropped: 0, dropped: 0 };
          })
        : undefined;
      state.push({
        t,
        retentionMs,
        targets: pass ? pass.rowPruned : [t.table],
        removed: pass?.rowsDropped ?? 0,
        partitionsRemoved: pass?.dropped ?? 0,
        caughtUp: false,
        ms: performance.now() - started,
      });
    }
    let active = state;
    while (active.length > 0 && Date.now() < deadline && !signal?.aborted) {
      for (const s of active) {
        if (Date.now() >= deadline || signal?.aborted) break;
        const started = performance.now();
        let full = false;
        for (const table of s.targets) {
          const n = await this.repo.pruneBatch({ ...s.t, table }, s.retentionMs, batch);
          s.removed += n;
          full ||= n >= batch;
        }
        s.ms += performance.now() - started;
        if (!full) s.caughtUp = true;
      }
      active = active.filter((s) => !s.caughtUp);
    }
    for (const s of state) {
      await this.repo.recordPrune({
        table: s.t.table,
        rowsRemoved: s.removed,
        partitionsRemoved: s.partitionsRemoved,
        durationMs: Math.round(s.ms),
        caughtUp: s.caughtUp,
      });
      if (s.removed) this.logger.log(`pruned ${s.removed} rows of ${s.t.table}`);
    }
    return state.map((s) => ({
      table: s.t.table,
      rowsRemoved: s.removed,
      partitionsRemoved: s.partitionsRemoved,
      caughtUp: s.caughtUp,
    }));
  }
}
