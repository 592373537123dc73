import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { createSuiteDatabase } from './test-database.js';

export interface TestApp {
  app: INestApplication;
  url: string;
  databaseUrl: string;
  adminToken: string;
  jwtSecret: string;
  /** Every JSON log line the app wrote, for assertions about logging. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Reuse a database (second instance, restart); default: a fresh clone of the template. */
  databaseUrl?: string;
  env?: Record<string, string | undefined>;
  providers?: ModuleMetadata['providers'];
  controllers?: ModuleMetadata['controllers'];
}

/** Fixed per test process so a restarted app accepts the same credentials. */
const ADMIN_TOKEN = `test-admin-${randomBytes(16).toString('hex')}`;
const JWT_SECRET = randomBytes(32).toString('base64url');
const SECRET_KEY = randomBytes(32).toString('base64');

let openApps = 0;
let envBefore: NodeJS.ProcessEnv = {};

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

/** Boots the real AppModule with configureApp (exactly as main.ts does) on 127.0.0.1. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createSuiteDatabase());
  // The app reads its configuration from process.env at boot. What the apps of a file set is
  // put back once none is open, so a later app does not inherit an earlier one's settings.
  if (openApps++ === 0) envBefore = { ...process.env };
  const overrides: Record<string, string | undefined> = {
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN,
    JWT_SECRET,
    SECRET_KEY,
    LOG_LEVEL: 'info',
    EVENT_CONSUMER_POLL_MS: '1000',
    ...options.env,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule],
    providers: options.providers ?? [],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  configureApp(app, createLogger('info', sink));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    databaseUrl,
    adminToken: ADMIN_TOKEN,
    jwtSecret: JWT_SECRET,
    logs,
    close: async () => {
      await app.close();
      if (--openApps === 0) restoreEnv(envBefore);
    },
  };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
