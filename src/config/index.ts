import { AppEnv, appConfig } from './app.config.js';
import { ArtifactsEnv, artifactsConfig } from './artifacts.config.js';
import { CalendarEnv, calendarConfig } from './calendar.config.js';
import { ConsoleEnv, consoleConfig } from './console.config.js';
import { AuthEnv, authConfig, missingAuthVariables } from './auth.config.js';
import { DatabaseEnv, databaseConfig } from './database.config.js';
import { EventsEnv, eventsConfig } from './events.config.js';
import { IntegrationsEnv, integrationsConfig } from './integrations.config.js';
import { JobsEnv, jobsConfig } from './jobs.config.js';
import { LogScanEnv, logScanConfig } from './log-scan.config.js';
import { missingSecurityVariables, SecurityEnv, securityConfig } from './security.config.js';
import { StorageEnv, storageConfig } from './storage.config.js';
import { SyncEnv, syncConfig } from './sync.config.js';
import { WebhooksEnv, webhooksConfig } from './webhooks.config.js';
import { ConfigError, validateEnv } from './validate-env.js';

/** Every concern's loader, for ConfigModule.forRoot({ load }). */
export const configLoaders = [
  appConfig,
  databaseConfig,
  authConfig,
  securityConfig,
  eventsConfig,
  jobsConfig,
  webhooksConfig,
  syncConfig,
  logScanConfig,
  integrationsConfig,
  calendarConfig,
  storageConfig,
  artifactsConfig,
  consoleConfig,
];

/**
 * Checks every variable at once so one start-up names every problem, not just the first:
 * malformed values, and with DATABASE_URL set the secrets that only embedded mode generates.
 */
export function validateAllEnv(env: Record<string, string | undefined>): void {
  const problems: string[] = [];
  for (const schema of [
    AppEnv,
    DatabaseEnv,
    AuthEnv,
    SecurityEnv,
    EventsEnv,
    JobsEnv,
    WebhooksEnv,
    SyncEnv,
    LogScanEnv,
    IntegrationsEnv,
    CalendarEnv,
    StorageEnv,
    ArtifactsEnv,
    ConsoleEnv,
  ] as const) {
    try {
      validateEnv(schema as new () => object, env);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (env.DATABASE_URL)
    problems.push(...missingAuthVariables(env), ...missingSecurityVariables(env));
  if (problems.length > 0) throw new ConfigError(problems);
}

export { ConfigError } from './validate-env.js';
export type { AppConfig } from './app.config.js';
export type { AuthConfig } from './auth.config.js';
export type { DatabaseConfig } from './database.config.js';
export type { SecurityConfig } from './security.config.js';
export type { EventsConfig } from './events.config.js';
export type { JobsConfig } from './jobs.config.js';
export type { WebhooksConfig } from './webhooks.config.js';
export type { SyncConfig } from './sync.config.js';
export type { LogScanConfig } from './log-scan.config.js';
export type { IntegrationsConfig } from './integrations.config.js';
export { CARD_SYNC_MAX_IN_FLIGHT } from './integrations.config.js';
export type { CalendarConfig } from './calendar.config.js';
export type { StorageConfig } from './storage.config.js';
export type { ArtifactsConfig } from './artifacts.config.js';
export type { ConsoleConfig } from './console.config.js';

/**
 * Runs every concern's loader once the environment is complete (after the embedded database
 * and generated secrets), so cross-variable rules fail here with a clear message instead of
 * inside Nest's module initialisation.
 */
export function validateResolvedConfig(): void {
  const problems: string[] = [];
  for (const load of configLoaders) {
    try {
      load();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
