import { isSensitiveName, REDACTED } from '../../common/security/redaction.js';
import { type SecretBox, SecretUnreadableError } from '../../common/security/secret-box.js';
import { ValidationFailedException } from '../../common/http/validation.js';

/** Shown instead of a sensitive header's value; sent back in a PATCH, it keeps the stored value. */
export { REDACTED };

const SEALED = /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const isSensitiveHeader = isSensitiveName;

/** True for a value the secret box sealed (rows from before sealing hold plain text). */
export function isSealedValue(value: string): boolean {
  return SEALED.test(value);
}

/**
 * Every static header value is sealed at rest (a receiver's Authorization is a credential,
 * and which header is one cannot be known for sure). A `[redacted]` value keeps the value
 * stored under that name.
 */
export function sealHeaders(
  box: SecretBox,
  headers: Record<string, string>,
  stored: Record<string, string> = {},
): Record<string, string> {
  const storedByName = new Map(Object.entries(stored).map(([k, v]) => [k.toLowerCase(), v]));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== REDACTED) {
      out[name] = box.seal(value);
      continue;
    }
    const kept = storedByName.get(name.toLowerCase());
    if (kept === undefined)
      throw new ValidationFailedException([
        {
          field: `headers.${name}`,
          message: `"${REDACTED}" stands for the stored value, and this endpoint has no header ${name}`,
        },
      ]);
    out[name] = isSealedValue(kept) ? kept : box.seal(kept);
  }
  return out;
}

export function openHeaderValue(box: Pick<SecretBox, 'open'>, value: string): string {
  return isSealedValue(value) ? box.open(value) : value;
}

/**
 * What the API shows: sensitive values redacted, the others in clear. A value no configured
 * key opens (SECRET_KEY changed) shows as redacted too, and the endpoint's `configError` says
 * why, so one such endpoint never makes a whole list fail.
 */
export function displayHeaders(box: SecretBox, stored: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(stored).map(([name, value]) => {
      if (isSensitiveHeader(name)) return [name, REDACTED];
      try {
        return [name, openHeaderValue(box, value)];
      } catch (err) {
        if (err instanceof SecretUnreadableError) return [name, REDACTED];
        throw err;
      }
    }),
  );
}

/**
 * Why deliveries to an endpoint cannot be signed or sent as configured: its signing secrets or
 * header values were sealed with a key that is not configured. Null when everything opens.
 */
export function endpointConfigError(
  box: Pick<SecretBox, 'open'>,
  sealedSecrets: string[],
  headers: Record<string, string>,
): string | null {
  const sealed = [...sealedSecrets, ...Object.values(headers).filter(isSealedValue)];
  for (const value of sealed) {
    try {
      box.open(value);
    } catch (err) {
      if (err instanceof SecretUnreadableError) return err.message;
      throw err;
    }
  }
  return null;
}
