import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { storageConfig } from '../config/storage.config.js';
import { PartitionRepository } from './partition.repository.js';
import { RETENTION_TABLES, RetentionTable } from './retention-tables.js';

export interface PartitionPass {
  created: number;
  dropped: number;
  /** Rows the dropped partitions held (estimated for a partition past a million rows). */
  rowsDropped: number;
  /** Partitions whose rows are pruned one by one: DEFAULT and the migrated old table. */
  rowPruned: string[];
  /** Partitions past their retention that their drop guard kept (a consumer holds them). */
  held: number;
}

/**
 * Partitions of the partitioned logs: ranges of STORAGE_PARTITION_INTERVAL, aligned to the
 * UNIX epoch in UTC (so every instance computes the same bounds), kept
 * STORAGE_PARTITIONS_AHEAD intervals ahead of now, and dropped once wholly older than the
 * retention. Creating also runs at start-up, so a database restored from an old backup has
 * its ranges before the first write.
 */
@Injectable()
export class PartitionMaintenance implements OnApplicationBootstrap {
  private readonly logger = new Logger(PartitionMaintenance.name);

  constructor(
    private readonly repo: PartitionRepository,
    @Inject(storageConfig.KEY) private readonly config: ConfigType<typeof storageConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const t of RETENTION_TABLES.filter((r) => r.partitioned)) {
      try {
        await this.ensure(t);
      } catch (err) {
        // Writes still land (in DEFAULT); the maintenance schedule tries again.
        this.logger.warn(`could not create partitions of ${t.table}: ${(err as Error).message}`);
      }
    }
  }

  /** Creates the missing ranges from the newest one (or now) to now + the intervals ahead. */
  async ensure(t: RetentionTable, now = Date.now()): Promise<number> {
    const interval = this.config.partitionIntervalMs;
    const newest = Math.max(
      -Infinity,
      ...(await this.repo.list(t.table)).filter((p) => p.to).map((p) => p.to!.getTime()),
    );
    // Not back-filled below now: rows of a gap went to DEFAULT and are pruned there.
    let from = Math.max(newest, Math.floor(now / interval) * interval);
    const until = now + this.config.partitionsAhead * interval;
    let created = 0;
    while (from < until) {
      const to = (Math.floor(from / interval) + 1) * interval;
      if (await this.repo.create(t.table, t.timeColumn, new Date(from), new Date(to))) created++;
      from = to;
    }
    return created;
  }

  /** One pass: ranges ahead, expired ranges dropped, and what is left to prune by row. */
  async pass(t: RetentionTable, retentionMs: number, now = Date.now()): Promise<PartitionPass> {
    const created = await this.ensure(t, now);
    const pass: PartitionPass = { created, dropped: 0, rowsDropped: 0, rowPruned: [], held: 0 };
    const cutoff = now - retentionMs;
    const partitions = await this.repo.list(t.table);
    pass.rowPruned = partitions.filter((p) => p.isDefault || p.from === null).map((p) => p.name);
    for (const p of partitions) {
      if (p.isDefault || p.to!.getTime() > cutoff) continue;
      const rows = await this.repo.drop(t.table, p, t.partitioned?.dropGuard);
      if (rows === null) {
        // Held (by a consumer's cursor): newer ranges hold later rows, so they are held too.
        pass.held++;
        break;
      }
      pass.dropped++;
      pass.rowsDropped += rows;
      pass.rowPruned = pass.rowPruned.filter((n) => n !== p.name);
      this.logger.log(`dropped partition ${p.name} (${rows} rows) of ${t.table}`);
    }
    return pass;
  }
}
