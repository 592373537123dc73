import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ToInt, validateEnv } from './validate-env.js';

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
}

/** Read after start-up has resolved the URL (embedded or given), so it is always set here. */
export const databaseConfig = registerAs('database', () => {
  const env = validateEnv(DatabaseEnv, process.env);
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL was not resolved before the app started');
  return { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE };
});
export type DatabaseConfig = { url: string; poolSize: number };
