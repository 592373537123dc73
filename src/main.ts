import 'reflect-metadata';
import * as fs from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { installProcessGuard } from './common/errors/process-guard.js';
import { UnexpectedErrors } from './common/errors/unexpected-errors.service.js';
import { APP_DRAINING } from './common/lifecycle.js';
import { createLogger, PinoNestLogger } from './common/logging/logger.js';
import { ConfigError, validateAllEnv } from './config/index.js';
import { AppEnv } from './config/app.config.js';
import { validateEnv } from './config/validate-env.js';
import { prepareEnvironment } from './database/prepare-environment.js';

async function bootstrap(): Promise<void> {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  validateAllEnv(process.env);
  // Validated above; the same rules give the defaults the app's config providers use.
  const config = validateEnv(AppEnv, process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const prepared = await prepareEnvironment(process.env, (line) =>
    logger.info({ context: 'EmbeddedPostgres' }, line),
  );

  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  configureApp(app, logger);
  installProcessGuard(app.get(UnexpectedErrors));
  const host = config.HOST;
  await app.listen(config.PORT, host);

  const address = app.getHttpServer().address() as { port: number };
  const base = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${address.port}`;
  for (const notice of prepared.notices) console.log(notice);
  console.log(`Integration Hub is listening on ${base} (Swagger UI: ${base}/docs)`);

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${timeoutMs} ms; exiting`);
      void prepared.embedded?.stop().finally(() => process.exit(1));
    }, timeoutMs);
    // Not unref'd: it also keeps the process alive until shutdown ends. Unref'd, a shutdown
    // step waiting on something that holds no handle of its own (a worker asleep on an unref'd
    // timer) let Node run out of work and exit 0 before "stopped" was logged.
    // Stop taking requests first, let in-flight ones finish, then stop workers and the pool.
    // Streams never finish on their own: tell them to end first.
    await app.get(EventEmitter2).emitAsync(APP_DRAINING);
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await app.close();
    await prepared.embedded?.stop();
    clearTimeout(force);
    logger.info({ signal }, 'stopped');
    // pino writes asynchronously: flush, or the last lines can be lost on exit.
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    console.error(
      'Integration Hub failed to start:',
      err instanceof Error ? (err.stack ?? err.message) : err,
    );
  }
  process.exit(1);
});
