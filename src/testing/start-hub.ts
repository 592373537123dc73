import { INestApplication, Module, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AppModule } from '../app.module.js';
import { configureApp } from '../app.setup.js';
import { createLogger } from '../common/logging/logger.js';
import type { LogLevel } from '../config/app.config.js';
import type { Severity } from '../events/index.js';
import { acquireTestServer, createHubDatabase, TestServer } from './test-database.js';

/**
 * Settings that make a hub testable in seconds: receivers on 127.0.0.1 are allowed (the SSRF
 * guard refuses private and loopback targets in production), retries and polls are short.
 * Pass `testDefaults: false` to run with the production defaults instead.
 */
export const TEST_DEFAULTS: Readonly<Record<string, string>> = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '2000',
  EVENT_CONSUMER_POLL_MS: '200',
  JOBS_POLL_MS: '100',
  JOBS_RETRY_SCHEDULE: '200ms,500ms,1s',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

export interface StartHubOptions {
  /** A database of your own (already migrated or empty: the hub migrates it). Default: a fresh clone. */
  databaseUrl?: string;
  /** Environment settings for this hub (see the README's configuration table); `undefined` unsets one. */
  env?: Record<string, string | undefined>;
  /** Port on 127.0.0.1; default any free port. */
  port?: number;
  /** Apply {@link TEST_DEFAULTS} under `env` (default true). */
  testDefaults?: boolean;
  /** Level of the collected log lines (default `info`). */
  logLevel?: LogLevel;
  /** Also write the hub's log lines to stdout (default false: they are only kept in `logs`). */
  printLogs?: boolean;
  /** Extra providers and controllers mounted beside the hub's own (e.g. a probe controller). */
  providers?: ModuleMetadata['providers'];
  controllers?: ModuleMetadata['controllers'];
}

export interface Hub {
  /** `http://127.0.0.1:<port>` */
  url: string;
  databaseUrl: string;
  /** Bearer token for the admin API. */
  adminToken: string;
  /** HS256 key of user JWTs (see {@link Hub.userToken}). */
  jwtSecret: string;
  /** The running Nest application, for suites that need a provider. */
  app: INestApplication;
  /** Every JSON log line the hub wrote. */
  logs: string[];
  /** A user JWT for `userId` (sync, calendar), valid for two hours. */
  userToken(userId: string): Promise<string>;
  /** `POST /events` as admin; resolves to the stored event ids (after the commit). */
  publish(
    events: HubEventInput | HubEventInput[],
    options?: { idempotencyKey?: string },
  ): Promise<string[]>;
  /** Stops the hub (draining its work) and releases its database server. */
  stop(): Promise<void>;
}

/** An event as `POST /events` takes it. */
export interface HubEventInput {
  type: string;
  source: string;
  subject?: string;
  data?: Record<string, unknown>;
  severity?: Severity;
  occurredAt?: string;
  origin?: string;
}

/** Fixed per process, so a restarted hub (same databaseUrl) accepts the same credentials. */
const ADMIN_TOKEN = `test-admin-${randomBytes(16).toString('hex')}`;
const JWT_SECRET = randomBytes(32).toString('base64url');
const SECRET_KEY = randomBytes(32).toString('base64');

let openHubs = 0;
let envBefore: NodeJS.ProcessEnv = {};

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

/**
 * Boots a real hub in this process: the production AppModule with the production HTTP setup
 * (`configureApp`, as main.ts), on its own database, listening on 127.0.0.1.
 */
export async function startHub(options: StartHubOptions = {}): Promise<Hub> {
  let server: TestServer | undefined;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    server = await acquireTestServer();
    databaseUrl = await createHubDatabase(server);
  }
  // The hub reads its configuration from process.env at boot. What the hubs of a test file
  // set is put back once none is running, so a later hub does not inherit it.
  if (openHubs++ === 0) envBefore = { ...process.env };
  const overrides: Record<string, string | undefined> = {
    ...(options.testDefaults === false ? {} : TEST_DEFAULTS),
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN,
    JWT_SECRET,
    SECRET_KEY,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...options.env,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = chunk.toString().split('\n').filter(Boolean);
      logs.push(...lines);
      if (options.printLogs) process.stdout.write(chunk);
      done();
    },
  });
  let app: INestApplication | undefined;
  const release = async () => {
    if (--openHubs === 0) restoreEnv(envBefore);
    await server?.release();
  };
  try {
    app = await NestFactory.create(hostModule(options), {
      bodyParser: false,
      logger: false,
      abortOnError: false,
    });
    configureApp(app, createLogger(options.logLevel ?? 'info', sink));
    await app.listen(options.port ?? 0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await release();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const running = app;
  let stopped: Promise<void> | undefined;
  return {
    url,
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    jwtSecret: JWT_SECRET,
    app: running,
    logs,
    userToken: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(JWT_SECRET)),
    publish: (events, publishOptions) => publish(url, events, publishOptions?.idempotencyKey),
    stop: () =>
      (stopped ??= (async () => {
        await running.close();
        await release();
      })()),
  };
}

/** The hub's AppModule plus whatever a suite mounts beside it. */
function hostModule(options: StartHubOptions) {
  @Module({})
  class HubUnderTest {}
  return {
    module: HubUnderTest,
    imports: [AppModule],
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  };
}

async function publish(
  url: string,
  events: HubEventInput | HubEventInput[],
  idempotencyKey?: string,
): Promise<string[]> {
  const res = await fetch(`${url}/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'content-type': 'application/json',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify(events),
  });
  const body = (await res.json()) as { ids?: string[] };
  if (res.status !== 202 || !Array.isArray(body.ids))
    throw new Error(`POST /events answered ${res.status}: ${JSON.stringify(body)}`);
  return body.ids;
}
