import { prepareEnvironment } from './prepare-environment.js';
import { runMigrations } from './migrations.js';

/** `npm run migration:run`: apply pending migrations to DATABASE_URL (or the embedded DB). */
async function main(): Promise<void> {
  const prepared = await prepareEnvironment(process.env, (line) => console.log(line));
  try {
    const applied = await runMigrations(process.env.DATABASE_URL as string);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations.');
  } finally {
    await prepared.embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
