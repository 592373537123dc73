import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'ihk_';

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Constant-time equality of two secrets. Hashing first gives equal lengths, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/**
 * `ihk_<prefix>_<secret>`: the prefix finds the row, the secret is checked against its
 * SHA-256. API keys are 192 random bits, so a fast hash is enough (no brute force to slow).
 */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const key = `${API_KEY_PREFIX}${prefix}_${secret}`;
  return { key, prefix, hash: sha256(key).toString('hex') };
}

export function parseApiKey(token: string): { prefix: string } | undefined {
  const match = /^ihk_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(token);
  return match ? { prefix: match[1] } : undefined;
}
