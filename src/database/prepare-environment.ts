import * as path from 'node:path';
import { loadOrCreateSecrets } from '../config/generated-secrets.js';
import { ConfigError, validateAllEnv, validateResolvedConfig } from '../config/index.js';
import {
  EmbeddedPostgres,
  EmbeddedPostgresNotInstalled,
  startEmbeddedPostgres,
} from './embedded-postgres.js';

export interface PreparedEnvironment {
  /** Set when we started (or adopted) an embedded PostgreSQL; stop it after the app closes. */
  embedded?: EmbeddedPostgres;
  /** Lines for the start-up banner (never contains a secret unless it was just generated). */
  notices: string[];
}

export const EMBEDDED_DATABASE = 'integration_hub';

/**
 * Runs before Nest: validates every variable, and without DATABASE_URL starts the embedded
 * PostgreSQL and fills in generated secrets, so the validated config modules always see a
 * complete environment.
 */
export async function prepareEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => undefined,
): Promise<PreparedEnvironment> {
  validateAllEnv(env);
  if (env.DATABASE_URL) {
    validateResolvedConfig();
    return { notices: [] };
  }

  const dataDir = path.resolve(env.DATA_DIR || '.data');
  const { secrets, created } = loadOrCreateSecrets(dataDir);
  const notices: string[] = [];
  if (!env.ADMIN_TOKEN) {
    env.ADMIN_TOKEN = secrets.adminToken;
    notices.push(
      created
        ? `Admin token (generated, kept in ${path.join(dataDir, 'secrets.json')}): ${secrets.adminToken}`
        : `Admin token: see "adminToken" in ${path.join(dataDir, 'secrets.json')}`,
    );
  }
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) env.JWT_SECRET = secrets.jwtSecret;
  if (!env.SECRET_KEY) env.SECRET_KEY = secrets.secretKey;

  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    password: secrets.databasePassword,
    database: EMBEDDED_DATABASE,
    log,
  }).catch((err: unknown) => {
    // A configuration mistake, not a crash: main prints it without a stack.
    throw err instanceof EmbeddedPostgresNotInstalled ? new ConfigError([err.message]) : err;
  });
  env.DATABASE_URL = embedded.url;
  return { embedded, notices };
}
