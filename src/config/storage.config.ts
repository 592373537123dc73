import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseDuration } from './duration.js';
import { IsDuration } from './is-duration.js';
import { ConfigError, ToInt, validateEnv } from './validate-env.js';

/**
 * Retention of the tables that grow with traffic (the storage maintenance schedule prunes
 * them; see docs/operations.md "Storage and retention"). Webhook, job and sync-log tables
 * keep their own settings (WEBHOOK_RETENTION, JOBS_RETENTION, SYNC_LOG_RETENTION).
 */
const MAX_BUDGET_MS = 30 * 60_000;

export class StorageEnv {
  /** The bus log; an event is also kept until every consumer has passed it. */
  @IsString()
  @IsDuration()
  EVENTS_RETENTION: string = '7d';

  /** Poison records of event consumers. */
  @IsString()
  @IsDuration()
  EVENT_CONSUMER_FAILURES_RETENTION: string = '30d';

  /** Trigger firing history, and group clocks past their trigger's repeat interval. */
  @IsString()
  @IsDuration()
  TRIGGER_FIRINGS_RETENTION: string = '30d';

  /** Log-scan per-source and per-rule stats, buckets and cooldowns of sources gone quiet. */
  @IsString()
  @IsDuration()
  LOG_SCAN_STATS_RETENTION: string = '30d';

  /** Jira/GitHub call log of the integrations. */
  @IsString()
  @IsDuration()
  INTEGRATION_LOGS_RETENTION: string = '30d';

  /** Comment messages of cards (keep at least EVENTS_RETENTION: they dedupe replays). */
  @IsString()
  @IsDuration()
  INTEGRATION_MESSAGES_RETENTION: string = '30d';

  /** One row per calendar binding run. */
  @IsString()
  @IsDuration()
  CALENDAR_SYNC_LOG_RETENTION: string = '30d';

  /** Rows one prune statement deletes (each batch is its own short transaction). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  STORAGE_PRUNE_BATCH: number = 5000;

  /** The period of the storage.maintenance schedule. */
  @IsString()
  @IsDuration()
  STORAGE_MAINTENANCE_INTERVAL: string = '10m';

  /**
   * The time range of one partition of a partitioned log (events, webhook_attempts,
   * job_attempts): retention drops whole partitions, so a row may outlive its retention by
   * up to this much.
   */
  @IsString()
  @IsDuration()
  STORAGE_PARTITION_INTERVAL: string = '1d';

  /** Partitions are created this many intervals ahead of now. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(60)
  STORAGE_PARTITIONS_AHEAD: number = 2;

  /** How long one maintenance run may prune before it leaves the rest to the next run. */
  @IsString()
  @IsDuration()
  STORAGE_PRUNE_BUDGET: string = '2m';
}

export interface StorageConfig {
  eventsRetentionMs: number;
  consumerFailuresRetentionMs: number;
  triggerFiringsRetentionMs: number;
  logScanStatsRetentionMs: number;
  integrationLogsRetentionMs: number;
  integrationMessagesRetentionMs: number;
  calendarSyncLogRetentionMs: number;
  pruneBatch: number;
  maintenanceIntervalMs: number;
  pruneBudgetMs: number;
  partitionIntervalMs: number;
  partitionsAhead: number;
  /** The maintenance job's timeout: its budget plus room for the batch under way. */
  jobTimeoutMs: number;
}

export const storageConfig = registerAs('storage', (): StorageConfig => {
  const env = validateEnv(StorageEnv, process.env);
  const budgetMs = parseDuration(env.STORAGE_PRUNE_BUDGET)!;
  if (budgetMs < 1000 || budgetMs > MAX_BUDGET_MS)
    throw new ConfigError(['STORAGE_PRUNE_BUDGET: must be between 1s and 30m']);
  const intervalMs = parseDuration(env.STORAGE_MAINTENANCE_INTERVAL)!;
  if (intervalMs < 1000)
    throw new ConfigError(['STORAGE_MAINTENANCE_INTERVAL: must be at least 1s']);

  const partitionMs = parseDuration(env.STORAGE_PARTITION_INTERVAL)!;
  if (partitionMs < 60_000 || partitionMs > 31 * 86_400_000 || partitionMs % 60_000 !== 0)
    throw new ConfigError([
      'STORAGE_PARTITION_INTERVAL: must be whole minutes, between 1m and 31d',
    ]);
  return {
    eventsRetentionMs: parseDuration(env.EVENTS_RETENTION)!,
    consumerFailuresRetentionMs: parseDuration(env.EVENT_CONSUMER_FAILURES_RETENTION)!,
    triggerFiringsRetentionMs: parseDuration(env.TRIGGER_FIRINGS_RETENTION)!,
    logScanStatsRetentionMs: parseDuration(env.LOG_SCAN_STATS_RETENTION)!,
    integrationLogsRetentionMs: parseDuration(env.INTEGRATION_LOGS_RETENTION)!,
    integrationMessagesRetentionMs: parseDuration(env.INTEGRATION_MESSAGES_RETENTION)!,
    calendarSyncLogRetentionMs: parseDuration(env.CALENDAR_SYNC_LOG_RETENTION)!,
    pruneBatch: env.STORAGE_PRUNE_BATCH,
    maintenanceIntervalMs: intervalMs,
    pruneBudgetMs: budgetMs,
    partitionIntervalMs: partitionMs,
    partitionsAhead: env.STORAGE_PARTITIONS_AHEAD,
    jobTimeoutMs: budgetMs + 120_000,
  };
});
