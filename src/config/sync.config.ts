import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { parseDuration } from './duration.js';
import { IsDuration } from './is-duration.js';
import { retentionMs } from './retention-setting.js';
import { ConfigError, ToInt, validateEnv } from './validate-env.js';

export class SyncEnv {
  /** The highest schemaVersion a changeset may declare. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SYNC_MAX_SCHEMA_VERSION: number = 1;

  /** A client `at` further ahead of server time than this is clamped to server time. */
  @IsString()
  @IsDuration()
  SYNC_MAX_CLOCK_SKEW: string = '5m';

  /** Change-log entries older than this are pruned; older cursors get 410 (default 30d). */
  @IsOptional()
  @IsString()
  @IsDuration()
  SYNC_LOG_RETENTION?: string;

  /** The period of the sync.compaction schedule that prunes the change log. */
  @IsString()
  @IsDuration()
  SYNC_COMPACTION_INTERVAL: string = '1h';

  /** The whole-day form SYNC_LOG_RETENTION replaced; still read when set. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  SYNC_LOG_RETENTION_DAYS?: number;

  @ToInt()
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  SYNC_HEARTBEAT_MS: number = 30000;

  /** A stream whose unsent output grows past this is dropped (the client resumes later). */
  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  SYNC_STREAM_MAX_BUFFER_BYTES: number = 1024 * 1024;

  /** How long an ended stream may take to flush its last bytes before its socket is destroyed. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  SYNC_STREAM_DROP_GRACE_MS: number = 5000;

  /** Open streams per user and app on one instance; one more is refused with 429. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  SYNC_STREAMS_PER_USER: number = 10;
}

export interface SyncConfig {
  maxSchemaVersion: number;
  maxClockSkewMs: number;
  logRetentionMs: number;
  compactionIntervalMs: number;
  heartbeatMs: number;
  streamMaxBufferBytes: number;
  streamDropGraceMs: number;
  streamsPerUser: number;
}

export const syncConfig = registerAs('sync', (): SyncConfig => {
  const env = validateEnv(SyncEnv, process.env);
  const compactionIntervalMs = parseDuration(env.SYNC_COMPACTION_INTERVAL)!;
  if (compactionIntervalMs < 1000)
    throw new ConfigError(['SYNC_COMPACTION_INTERVAL: must be at least 1s']);
  return {
    maxSchemaVersion: env.SYNC_MAX_SCHEMA_VERSION,
    maxClockSkewMs: parseDuration(env.SYNC_MAX_CLOCK_SKEW)!,
    logRetentionMs: retentionMs(
      'SYNC_LOG_RETENTION',
      env.SYNC_LOG_RETENTION,
      env.SYNC_LOG_RETENTION_DAYS,
      '30d',
    ),
    compactionIntervalMs,
    heartbeatMs: env.SYNC_HEARTBEAT_MS,
    streamMaxBufferBytes: env.SYNC_STREAM_MAX_BUFFER_BYTES,
    streamDropGraceMs: env.SYNC_STREAM_DROP_GRACE_MS,
    streamsPerUser: env.SYNC_STREAMS_PER_USER,
  };
});
