import { prepareEnvironment } from '../config/prepare-environment.js';
import { runMigrations } from './migrations.js';

/**
 * `npm run db`: start the embedded PostgreSQL alone, migrate it, print its DATABASE_URL and
 * keep running until Ctrl-C, so several app instances can share one database.
 */
async function main(): Promise<void> {
  delete process.env.DATABASE_URL;
  const prepared = await prepareEnvironment(process.env, (line) => console.log(line));
  const embedded = prepared.embedded!;
  await runMigrations(embedded.url);
  console.log(`DATABASE_URL=${embedded.url}`);
  console.log('Embedded PostgreSQL is running; press Ctrl-C to stop it.');
  const stop = async () => {
    await embedded.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
