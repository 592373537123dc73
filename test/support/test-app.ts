import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { startHub } from '../../src/testing/start-hub.js';
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

/**
 * Boots the real AppModule with configureApp (exactly as main.ts does) on 127.0.0.1, through
 * the testing kit's `startHub` (src/testing), which teams' own suites use too; this
 * repository's suites run with the production defaults plus the settings each one passes.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const hub = await startHub({
    databaseUrl: options.databaseUrl ?? (await createSuiteDatabase()),
    testDefaults: false,
    env: { EVENT_CONSUMER_POLL_MS: '1000', ...options.env },
    providers: options.providers,
    controllers: options.controllers,
  });
  return {
    app: hub.app,
    url: hub.url,
    databaseUrl: hub.databaseUrl,
    adminToken: hub.adminToken,
    jwtSecret: hub.jwtSecret,
    logs: hub.logs,
    close: () => hub.stop(),
  };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export { waitFor } from '../../src/testing/wait-for.js';
export { waitForIdle } from '../../src/testing/wait-for-idle.js';
