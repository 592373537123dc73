import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): secrets are `whsec_` +
 * base64 of 24 to 64 random bytes; the signature is `v1,` + base64(HMAC-SHA256(key,
 * `${id}.${timestamp}.${body}`)), space-separated when several secrets are active.
 */
export const SECRET_PREFIX = 'whsec_';

export function generateSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** Whether `secret` is `whsec_` + canonical base64 of 24..64 bytes. */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 && key.length <= 64 && key.toString('base64') === b64;
}

/** How an endpoint's requests are signed; `header` only with `hmac-sha256-hex`. */
export type SignatureScheme = 'standard-webhooks' | 'hmac-sha256-hex';
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  'standard-webhooks',
  'hmac-sha256-hex',
];
export const DEFAULT_HEX_SIGNATURE_HEADER = 'x-hub-signature-256';

export type EndpointSignature =
  { scheme: 'standard-webhooks' } | { scheme: 'hmac-sha256-hex'; header: string };

export const DEFAULT_SIGNATURE: EndpointSignature = { scheme: 'standard-webhooks' };

/** The stored form of a requested signature: the hex scheme's header defaulted and lowercased. */
export function resolveSignature(given: {
  scheme: SignatureScheme;
  header?: string;
}): EndpointSignature {
  return given.scheme === 'hmac-sha256-hex'
    ? {
        scheme: given.scheme,
        header: (given.header ?? DEFAULT_HEX_SIGNATURE_HEADER).toLowerCase(),
      }
    : { scheme: 'standard-webhooks' };
}

/**
 * The static header that the signature header would overwrite (same name, any case), if any:
 * such a pair is refused when saved.
 */
export function signatureHeaderClash(
  signature: EndpointSignature,
  headers: Record<string, string>,
): string | undefined {
  if (signature.scheme !== 'hmac-sha256-hex') return undefined;
  return Object.keys(headers).find((name) => name.toLowerCase() === signature.header);
}

export function sign(
  secrets: string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/**
 * GitHub-style signature (`X-Hub-Signature-256`): `sha256=` + lowercase hex of
 * HMAC-SHA256(key, raw body). The key is the secret string exactly as shown (`whsec_...`,
 * UTF-8), not its base64-decoded bytes, because that is what a receiver written for GitHub
 * feeds its HMAC. Several live secrets (rotation) give one signature each, newest first,
 * comma-separated; with one secret the value is exactly GitHub's.
 */
export function signHex(secrets: string[], body: string): string {
  return secrets
    .map((secret) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`)
    .join(',');
}
