/**
 * What a redacted value is shown as, everywhere (answers, logs, attempt rows). A write that
 * sends it back for a secret keeps the stored value, so a form can post back what it read.
 */
export const REDACTED = '[redacted]';

/**
 * Placeholders that reads showed before REDACTED was the only one: the trigger secret and the
 * calendar password read back as `********` until 2026-12. Deprecated: writes to those two
 * fields still treat them exactly like REDACTED for a deprecation period, so a client that
 * echoes what it read then never overwrites a stored secret with eight asterisks. Reads
 * never show them. Remove once clients have moved (see docs/triggers.md, docs/calendar.md).
 */
export const LEGACY_PLACEHOLDERS: readonly string[] = ['********'];

/**
 * Whether a secret sent on a write stands for "keep the stored value": REDACTED, or a
 * deprecated legacy placeholder (only for the fields that once showed one).
 */
export function keepsStoredSecret(value: string | undefined): boolean {
  return value === REDACTED || (value !== undefined && LEGACY_PLACEHOLDERS.includes(value));
}

/** Header or field names whose values are credentials. */
const SENSITIVE_NAME = /auth|cookie|token|secret|passw|api[-_]?key|signature|session|credential/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** Headers fit for a log line, an attempt row or an answer: credentials replaced. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      isSensitiveName(name) ? REDACTED : value,
    ]),
  );
}

/**
 * Text with every occurrence of the given secret values replaced (a peer that echoes our
 * Authorization header or API token in an error body must not put it in our logs). Values
 * shorter than 4 characters are left alone: replacing them would garble ordinary text.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}

// Credentials that commonly end up in error messages (an echoed header, a URL query).
const CREDENTIAL_PATTERNS = [
  /(\b(?:proxy-)?authorization["']?\s*[:=]\s*)[^\r\n,;]+/gi,
  /(\bbearer\s+)[^\s,;"']+/gi,
  /(\bbasic\s+)[A-Za-z0-9+/=]{8,}/gi,
  /(\b(?:token|secret|password|passwd|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
  /(\/\/[^/\s:@]+:)[^@\s/]+(@)/g,
];

/** Free text (an error, a peer's answer) with credential-looking parts masked. */
export function maskCredentials(text: string): string {
  let out = text;
  for (const pattern of CREDENTIAL_PATTERNS)
    out = out.replace(
      pattern,
      (_m, a: string, b?: string) => `${a}${REDACTED}${typeof b === 'string' ? b : ''}`,
    );
  return out;
}
