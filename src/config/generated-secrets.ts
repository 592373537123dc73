import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Secrets generated once for embedded/dev mode and kept in DATA_DIR/secrets.json (mode 0600). */
export interface GeneratedSecrets {
  adminToken: string;
  jwtSecret: string;
  secretKey: string;
  databasePassword: string;
}

export function loadOrCreateSecrets(dataDir: string): {
  secrets: GeneratedSecrets;
  created: boolean;
} {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) {
    return {
      secrets: JSON.parse(fs.readFileSync(file, 'utf8')) as GeneratedSecrets,
      created: false,
    };
  }
  const secrets: GeneratedSecrets = {
    adminToken: `iha_${randomBytes(24).toString('base64url')}`,
    jwtSecret: randomBytes(32).toString('base64url'),
    secretKey: randomBytes(32).toString('base64'),
    databasePassword: randomBytes(18).toString('base64url'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  // wx: two processes racing on a fresh DATA_DIR must not overwrite each other's secrets.
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecrets(dataDir);
    throw err;
  }
  return { secrets, created: true };
}
