import type { Duplex } from 'node:stream';
import type { PoolConfig } from 'pg';
import type { DatabaseConfig } from '../config/index.js';

/**
 * node-postgres pool settings for the app's connections (TypeORM `extra`). Migrations
 * (migrations.ts) and the LISTEN connection (pg-listener.ts) use their own connections
 * without statement or query timeouts: DDL may legitimately run long, and LISTEN idles.
 */
export function poolOptions(db: DatabaseConfig, stream: () => Duplex): PoolConfig {
  return {
    max: db.poolSize,
    application_name: 'integration-hub',
    // pg-pool: bounds both opening a connection and waiting for a free one (pool full).
    connectionTimeoutMillis: db.connectTimeoutMs,
    // Sent as a startup parameter, so every session has it; enforced by the server.
    statement_timeout: db.statementTimeoutMs,
    // A transaction left open by a bug would hold back every watermark until ended.
    idle_in_transaction_session_timeout: db.idleInTransactionTimeoutMs,
    // Enforced by the client: the only bound when the server itself stops answering.
    query_timeout: db.queryTimeoutMs,
    stream,
  };
}
