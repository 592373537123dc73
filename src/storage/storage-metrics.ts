import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type { StorageDto } from './dto/storage.dto.js';
import { StorageService } from './storage.service.js';

/**
 * The storage view as Prometheus metrics, read on scrape from a view cached a few seconds
 * (every gauge of one scrape shares one reading). pruned_rows_total comes from
 * storage_prunes, so it counts the prunes of every instance and survives restarts.
 */
@Injectable()
export class StorageMetrics {
  constructor(metrics: MetricsService, storage: StorageService) {
    const read = async (fill: (view: StorageDto) => void) => {
      try {
        fill(await storage.recentView());
      } catch {
        // Database away: the scrape still answers; readiness tells that story.
      }
    };
    const labelNames = ['table'] as const;
    const registers = [metrics.registry];
    new Gauge({
      name: 'hub_table_rows',
      help: 'Estimated rows of a table that grows with traffic (planner estimate)',
      labelNames,
      registers,
      async collect() {
        await read((v) => v.tables.forEach((t) => this.set({ table: t.table }, t.estimatedRows)));
      },
    });
    new Gauge({
      name: 'hub_table_bytes',
      help: 'Total size of a table that grows with traffic, with its indexes and TOAST',
      labelNames,
      registers,
      async collect() {
        await read((v) => v.tables.forEach((t) => this.set({ table: t.table }, t.totalBytes)));
      },
    });
    new Gauge({
      name: 'hub_table_oldest_row_seconds',
      help: 'Age of the oldest row its retention applies to (0 when empty)',
      labelNames,
      registers,
      async collect() {
        await read((v) =>
          v.tables.forEach((t) => this.set({ table: t.table }, t.oldestRowAgeSeconds ?? 0)),
        );
      },
    });
    new Gauge({
      name: 'hub_table_retention_seconds',
      help: 'Retention setting of a table that grows with traffic',
      labelNames,
      registers,
      async collect() {
        await read((v) =>
          v.tables.forEach((t) => this.set({ table: t.table }, t.retentionSeconds)),
        );
      },
    });
    new Gauge({
      name: 'hub_table_partitions',
      help: 'Partitions of a partitioned log, DEFAULT included (only partitioned tables)',
      labelNames,
      registers,
      async collect() {
        await read((v) => {
          this.reset();
          for (const t of v.tables)
            if (t.partitions !== null) this.set({ table: t.table }, t.partitions);
        });
      },
    });
    new Counter({
      name: 'hub_table_pruned_rows_total',
      help: 'Rows removed by storage maintenance, across every instance (from storage_prunes)',
      labelNames,
      registers,
      async collect() {
        await read((v) => {
          this.reset();
          for (const t of v.tables)
            if (t.lastPrune) this.inc({ table: t.table }, t.lastPrune.totalRemoved);
        });
      },
    });
  }
}
