import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ConfigError, ToInt, validateEnv } from './validate-env.js';

export class DatabaseEnv {
  /** Unset: `npm start` runs an embedded PostgreSQL under DATA_DIR and fills this in. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @ToInt()
  @IsInt()
  @Min(2)
  @Max(200)
  DATABASE_POOL_SIZE: number = 10;

  /**
   * Bound on getting a pool connection: opening one (TCP + startup + auth) or waiting for a
   * free one when the pool is full (pg-pool's connectionTimeoutMillis covers both).
   */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(120000)
  DB_CONNECT_TIMEOUT_MS: number = 5000;

  /** Server-side statement_timeout of the app's pool sessions (not migrations, not LISTEN). */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(3600000)
  DB_STATEMENT_TIMEOUT_MS: number = 30000;

  /**
   * Client-side bound on one query (pg's query_timeout): a frozen server never cancels
   * anything itself. Must exceed the statement timeout so the server's own cancel wins.
   */
  @ToInt()
  @IsInt()
  @Min(200)
  @Max(3600000)
  DB_QUERY_TIMEOUT_MS: number = 35000;

  /** How long the liveness probe and readiness wait for `SELECT 1` before calling it down. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60000)
  DB_HEALTH_TIMEOUT_MS: number = 2000;

  /**
   * The server ends a session that sits idle inside an open transaction this long: such a
   * transaction holds back every reader's watermark (bus consumers, sync), so a leaked one
   * must not stall them for good.
   */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(3600000)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: number = 60000;
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
  healthTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** Read after start-up has resolved the URL (embedded or given), so it is always set here. */
export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const env = validateEnv(DatabaseEnv, process.env);
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL was not resolved before the app started');
  if (env.DB_QUERY_TIMEOUT_MS <= env.DB_STATEMENT_TIMEOUT_MS)
    throw new ConfigError([
      `DB_QUERY_TIMEOUT_MS: must be greater than DB_STATEMENT_TIMEOUT_MS (${env.DB_STATEMENT_TIMEOUT_MS}) (got ${env.DB_QUERY_TIMEOUT_MS})`,
    ]);
  return {
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
    healthTimeoutMs: env.DB_HEALTH_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
});
