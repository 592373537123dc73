import { ValidationFailedException } from '../http/validation.js';
import { isSensitiveName } from './redaction.js';

/**
 * A stored credential goes only to the origin (scheme, host, port) it was given for. When a
 * URL moves to another origin, a credential the API never shows (a sensitive header, a token)
 * must be given again: otherwise whoever may edit the URL, but not read the secret, could
 * point it at their own server and read the secret there.
 */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Whether `to` is another origin than `from` (an unparsable URL counts as another). */
export function movesOrigin(from: string, to: string): boolean {
  const a = originOf(from);
  return a === null || a !== originOf(to);
}

/**
 * Refuses to keep the stored values of credential headers (`kept`: names whose stored value
 * would be reused) when the URL moves from `from` to `to`: 400 naming each header field.
 */
export function assertCredentialsStay(
  from: string,
  to: string,
  kept: readonly string[],
  fieldPrefix: string,
): void {
  if (!movesOrigin(from, to)) return;
  const moved = kept.filter(isSensitiveName);
  if (moved.length === 0) return;
  throw new ValidationFailedException(
    moved.map((name) => ({
      field: `${fieldPrefix}${name}`,
      message: `the URL moves to another origin (${originOf(to) ?? to}): a stored credential goes only to ${originOf(from) ?? from}, so give this header's value again or leave it out`,
    })),
  );
}
