import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { artifactsConfig } from '../config/artifacts.config.js';
import { jobsConfig } from '../config/jobs.config.js';
import { storageConfig } from '../config/storage.config.js';
import { syncConfig } from '../config/sync.config.js';
import { webhooksConfig } from '../config/webhooks.config.js';
import { StorageDto, TableStorageDto } from './dto/storage.dto.js';
import { RETENTION_TABLES, RetentionSettings } from './retention-tables.js';
import { StorageRepository } from './storage.repository.js';

export const MAINTENANCE_QUEUE = 'storage.maintenance';

/** Scrapes within this window share one reading: a scrape stays a handful of cheap queries. */
const CACHE_MS = 5000;

/** The storage view: per registered table its size, oldest row, retention and last prune. */
@Injectable()
export class StorageService {
  private readonly settings: RetentionSettings;
  private cached?: { at: number; view: Promise<StorageDto> };

  constructor(
    private readonly repo: StorageRepository,
    @Inject(storageConfig.KEY) storage: ConfigType<typeof storageConfig>,
    @Inject(webhooksConfig.KEY) webhooks: ConfigType<typeof webhooksConfig>,
    @Inject(jobsConfig.KEY) jobs: ConfigType<typeof jobsConfig>,
    @Inject(syncConfig.KEY) sync: ConfigType<typeof syncConfig>,
    @Inject(artifactsConfig.KEY) artifacts: ConfigType<typeof artifactsConfig>,
  ) {
    this.settings = { storage, webhooks, jobs, sync, artifacts };
  }

  async view(): Promise<StorageDto> {
    const prunes = await this.repo.lastPrunes();
    const tables: TableStorageDto[] = [];
    // One table at a time: the view must not take a pool connection per table.
    for (const t of RETENTION_TABLES) {
      const size = await this.repo.size(t);
      const last = prunes.get(t.table);
      tables.push({
        ...size,
        setting: t.setting,
        retentionSeconds: t.retentionMs(this.settings) / 1000,
        prunedBy: t.prunedBy ?? MAINTENANCE_QUEUE,
        lastPrune: last
          ? {
              at: last.prunedAt,
              rowsRemoved: last.rowsRemoved,
              partitionsRemoved: last.partitionsRemoved,
              durationMs: last.durationMs,
              caughtUp: last.caughtUp,
              totalRemoved: last.totalRemoved,
            }
          : null,
      });
    }
    return { tables };
  }

  /** The view at most CACHE_MS old (for metric scrapes). */
  recentView(): Promise<StorageDto> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      const view = this.view();
      this.cached = { at: Date.now(), view };
      view.catch(() => (this.cached = undefined));
    }
    return this.cached.view;
  }
}
