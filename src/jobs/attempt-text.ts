import { maskCredentials } from '../common/security/redaction.js';

const MAX = 1000;

/** A summary or error as stored in an attempt row: credentials masked, at most 1000 characters. */
export function attemptText(text: string | undefined | null): string | null {
  if (text === undefined || text === null || text === '') return null;
  const out = maskCredentials(String(text));
  return out.length > MAX ? `${out.slice(0, MAX - 1)}…` : out;
}
