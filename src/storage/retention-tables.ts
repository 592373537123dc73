import type {
  ArtifactsConfig,
  JobsConfig,
  StorageConfig,
  SyncConfig,
  WebhooksConfig,
} from '../config/index.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The settings a retention is read from. */
export interface RetentionSettings {
  storage: StorageConfig;
  webhooks: WebhooksConfig;
  jobs: JobsConfig;
  sync: SyncConfig;
  artifacts: ArtifactsConfig;
}

/**
 * One table that grows with traffic. The storage maintenance schedule deletes rows whose
 * `timeColumn` is older than the retention and that meet `where`, in bounded batches.
 */
export interface RetentionTable {
  table: string;
  /** Rows older than the retention by this column are removed (and give the oldest row age). */
  timeColumn: string;
  /** The environment variable of its retention. */
  setting: string;
  retentionMs(s: RetentionSettings): number;
  /** The rows the retention applies to (alias `t`), also for the oldest row age. */
  scope?: string;
  /** An extra condition for removal (alias `t`); a row failing it is kept. */
  where?: string;
  /**
   * A key that grows with the time column (an identity id): the table is pruned from its
   * head in key order, which costs a primary-key range scan and stops at the first row kept
   * (so no scan past the old rows). Without it, an index on the time column finds the rows.
   */
  orderKey?: string;
  /**
   * Tables whose rows go with this one's (ON DELETE CASCADE): exempt themselves, their bytes
   * count in this table's storage view.
   */
  dependents?: string[];
  /** Pruned by another schedule with rules of its own: listed here for the storage view. */
  prunedBy?: string;
  /**
   * Range-partitioned by `timeColumn` (docs/operations.md, "Partitioned logs"): retention
   * drops a whole partition once its upper bound is older than the retention and `dropGuard`
   * holds; rows in the DEFAULT partition and in the partition a migration made of the old
   * table are pruned row by row as above.
   */
  partitioned?: {
    /** A condition on `{partition}` (a table name) that must hold for it to be dropped. */
    dropGuard?: string;
  };
}

/**
 * Every table that grows with traffic, in one place (test/storage/registry.e2e-spec.ts fails
 * on a table that is neither here nor in EXEMPT_TABLES). Table and column names are constants
 * written into SQL, never input.
 */
export const RETENTION_TABLES: readonly RetentionTable[] = [
  {
    table: 'events',
    timeColumn: 'created_at',
    setting: 'EVENTS_RETENTION',
    retentionMs: (s) => s.storage.eventsRetentionMs,
    orderKey: 'id',
    // An event stays until every consumer's cursor has passed it: a stopped consumer holds it.
    where: `NOT EXISTS (SELECT 1 FROM event_consumers c
              WHERE (t.tx, t.id) > (c.cursor_tx, c.cursor_event_id))`,
    partitioned: {
      // One index probe per consumer: does the partition hold an event past its cursor?
      dropGuard: `NOT EXISTS (SELECT 1 FROM event_consumers c WHERE EXISTS (
                    SELECT 1 FROM {partition} t WHERE (t.tx, t.id) > (c.cursor_tx, c.cursor_event_id)))`,
    },
  },
  {
    table: 'event_consumer_failures',
    timeColumn: 'created_at',
    setting: 'EVENT_CONSUMER_FAILURES_RETENTION',
    retentionMs: (s) => s.storage.consumerFailuresRetentionMs,
    orderKey: 'id',
  },
  {
    table: 'idempotency_keys',
    timeColumn: 'created_at',
    setting: 'Idempotency-Key window (24h)',
    retentionMs: () => DAY_MS,
    prunedBy: 'events.idempotency-prune',
  },
  {
    table: 'webhook_deliveries',
    timeColumn: 'completed_at',
    setting: 'WEBHOOK_RETENTION',
    retentionMs: (s) => s.webhooks.retentionMs,
    // Pending and failed deliveries stay (failed ones for a manual retry).
    scope: `t.status = 'succeeded'`,
  },
  {
    // A claim inserts a lease and its settle deletes it. What is left is a lease whose
    // delivery went while in flight (endpoint or message deleted): it expired and is removed
    // an hour later. The hour leaves a stalled worker's late settle a lease to match.
    table: 'webhook_delivery_leases',
    timeColumn: 'locked_until',
    setting: 'lease expiry + 1h',
    retentionMs: () => HOUR_MS,
  },
  {
    table: 'webhook_attempts',
    timeColumn: 'started_at',
    setting: 'WEBHOOK_RETENTION',
    retentionMs: (s) => s.webhooks.retentionMs,
    orderKey: 'id',
    partitioned: {},
  },
  {
    // Per-job callbacks; deleting one deletes its delivery (ON DELETE CASCADE).
    table: 'webhook_messages',
    timeColumn: 'created_at',
    setting: 'WEBHOOK_RETENTION',
    retentionMs: (s) => s.webhooks.retentionMs,
    // Succeeded or failed: a message has no endpoint to recover it from, so failed ones go too.
    where: `NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = t.id AND d.status = 'pending')`,
  },
  {
    // Configuration, apart from the messages' lanes (one per receiving origin, made by
    // POST /webhooks/messages): a lane no delivery uses goes once idle this long.
    table: 'webhook_endpoints',
    timeColumn: 'updated_at',
    setting: 'WEBHOOK_RETENTION',
    retentionMs: (s) => s.webhooks.retentionMs,
    scope: `t.owner = 'webhooks.messages'`,
    where: `NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = t.id)`,
  },
  {
    table: 'jobs',
    timeColumn: 'finished_at',
    setting: 'JOBS_RETENTION',
    retentionMs: (s) => s.jobs.retentionMs,
  },
  {
    table: 'job_attempts',
    timeColumn: 'started_at',
    setting: 'JOBS_RETENTION',
    retentionMs: (s) => s.jobs.retentionMs,
    orderKey: 'id',
    partitioned: {},
  },
  {
    table: 'sync_changes',
    timeColumn: 'created_at',
    setting: 'SYNC_LOG_RETENTION',
    retentionMs: (s) => s.sync.logRetentionMs,
    prunedBy: 'sync.compaction',
  },
  {
    table: 'sync_pushes',
    timeColumn: 'created_at',
    setting: 'SYNC_LOG_RETENTION',
    retentionMs: (s) => s.sync.logRetentionMs,
    prunedBy: 'sync.compaction',
  },
  {
    table: 'event_trigger_firings',
    timeColumn: 'created_at',
    setting: 'TRIGGER_FIRINGS_RETENTION',
    retentionMs: (s) => s.storage.triggerFiringsRetentionMs,
    orderKey: 'seq',
  },
  {
    table: 'event_trigger_groups',
    timeColumn: 'last_fired_at',
    setting: 'TRIGGER_FIRINGS_RETENTION',
    retentionMs: (s) => s.storage.triggerFiringsRetentionMs,
    // A group clock older than its trigger's repeat interval no longer suppresses anything.
    where: `t.last_fired_at < now() - make_interval(secs => (SELECT r.repeat_interval_ms / 1000.0
              FROM event_triggers r WHERE r.id = t.trigger_id))`,
  },
  {
    table: 'log_scan_source_stats',
    timeColumn: 'last_seen_at',
    setting: 'LOG_SCAN_STATS_RETENTION',
    retentionMs: (s) => s.storage.logScanStatsRetentionMs,
  },
  {
    table: 'log_scan_rule_stats',
    timeColumn: 'last_hit_at',
    setting: 'LOG_SCAN_STATS_RETENTION',
    retentionMs: (s) => s.storage.logScanStatsRetentionMs,
  },
  {
    // The console's per-minute chart of lines in: its longest window is 7 days.
    table: 'log_scan_minutes',
    timeColumn: 'minute',
    setting: 'console chart window (8d)',
    retentionMs: () => 8 * DAY_MS,
  },
  {
    // A bucket not touched for this long has refilled; it is recreated full on the next line.
    table: 'log_scan_buckets',
    timeColumn: 'refilled_at',
    setting: 'LOG_SCAN_STATS_RETENTION',
    retentionMs: (s) => s.storage.logScanStatsRetentionMs,
  },
  {
    table: 'log_scan_cooldowns',
    timeColumn: 'until',
    setting: 'LOG_SCAN_STATS_RETENTION',
    retentionMs: (s) => s.storage.logScanStatsRetentionMs,
  },
  {
    table: 'integration_logs',
    timeColumn: 'created_at',
    setting: 'INTEGRATION_LOGS_RETENTION',
    retentionMs: (s) => s.storage.integrationLogsRetentionMs,
    orderKey: 'id',
  },
  {
    table: 'integration_messages',
    timeColumn: 'created_at',
    setting: 'INTEGRATION_MESSAGES_RETENTION',
    retentionMs: (s) => s.storage.integrationMessagesRetentionMs,
  },
  {
    table: 'calendar_sync_log',
    timeColumn: 'started_at',
    setting: 'CALENDAR_SYNC_LOG_RETENTION',
    retentionMs: (s) => s.storage.calendarSyncLogRetentionMs,
    orderKey: 'id',
  },
  {
    table: 'artifacts',
    timeColumn: 'last_used_at',
    setting: 'ARTIFACT_RETENTION',
    retentionMs: (s) => s.artifacts.retentionMs,
    // An upload still streaming in is left alone (a request lasts minutes at most); one cut
    // off by a crash goes an hour later at the earliest.
    where: `t.completed_at IS NOT NULL OR t.created_at < now() - interval '1 hour'`,
    dependents: ['artifact_chunks'],
  },
];

/** Tables that do not grow with traffic (or whose rows are the data itself), each with why. */
export const EXEMPT_TABLES: Readonly<Record<string, string>> = {
  migrations: 'one row per migration',
  api_keys: 'created by an admin; revoked keys are the audit trail',
  event_consumers: 'one row per consumer',
  job_schedules: 'one row per recurring task',
  sync_spaces: 'user data',
  sync_space_members: 'user data',
  sync_records: 'user data (tombstones are part of the synced state)',
  sync_event_ids: 'pruned with sync_pushes by sync.compaction',
  sync_app_settings: 'one row per app',
  sync_horizons: 'one row per app',
  event_triggers: 'configuration',
  event_trigger_silences: 'created by an operator',
  log_scan_rules: 'configuration',
  log_scan_rules_version: 'one row',
  integrations: 'configuration',
  integration_cards: 'one row per tracked card: the state of a remote issue, not a log',
  integration_card_births:
    'one row per card whose creation the hub was told of and that is not deleted: state the creation cutoff reads, not a log',
  calendar_appointments: 'user data',
  calendar_accounts: 'one row per user',
  calendar_bindings: 'configuration, per user',
  calendar_targets: 'one row per appointment per binding: state, not a log',
  storage_prunes: 'one row per registered table',
  sync_log_identity: 'one row: which database and server the sync change log belongs to',
  event_log_identity: 'one row: which database and server the event bus log belongs to',
  artifact_chunks: 'the bytes of artifacts, removed with their artifact (ON DELETE CASCADE)',
};
