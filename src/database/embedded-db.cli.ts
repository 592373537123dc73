import { prepareEnvironment } from './prepare-environment.js';
import { runMigrations } from './migrations.js';

/**
 * `npm run db`: start the embedded PostgreSQL alone, migrate it, print its DATABASE_URL and
 * keep running until Ctrl-C, so several app instances can share one database.
 */
async function main(): Promise<void> {
  delete process.env.DATABASE_URL;
  const prepared = await prepareEnvironment(process.env, (line) => console.log(line));
  const embedded = prepared.embedded!;
  try {
    await runMigrations(embedded.url);
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  console.log(`DATABASE_URL=${embedded.url}`);
  console.log('Embedded PostgreSQL is running; press Ctrl-C to stop it.');
  // pg_ctl daemonises the server, so nothing of ours holds the event loop open: a signal
  // listener alone does not, and a pending promise does not. This timer does, until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`${signal}: stopping PostgreSQL`);
  await embedded.stop();
  clearInterval(keepAlive);
  console.log('PostgreSQL stopped');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
