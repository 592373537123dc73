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

/**
 * The forms a peer may echo a secret in: the value, its URL-encoding, and its base64 and
 * base64url encodings, also as they appear inside a longer encoded run (one form per byte
 * alignment, padding dropped), so `Basic <b64>` without its scheme, a bare base64 of the
 * token and a base64 that starts with other bytes are all caught. For an Authorization
 * value (`Basic x`, `Bearer x`) the credential after the scheme and, for Basic, the decoded
 * `user:password` pair count as secrets too.
 */
export function credentialForms(secrets: readonly string[]): string[] {
  const values = new Set<string>();
  for (const secret of secrets) {
    values.add(secret);
    const scheme = /^(basic|bearer|token)\s+(\S+)$/i.exec(secret.trim());
    if (scheme) {
      values.add(scheme[2]);
      if (scheme[1].toLowerCase() === 'basic')
        values.add(Buffer.from(scheme[2], 'base64').toString('utf8'));
    }
  }
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < 4) continue;
    forms.add(value);
    const derived = [encodeURIComponent(value)];
    for (const encoded of alignedBase64(Buffer.from(value, 'utf8')))
      derived.push(encoded, encoded.replace(/\+/g, '-').replace(/\//g, '_'));
    // Short encoded fragments would match ordinary text.
    for (const form of derived) if (form.length >= 8) forms.add(form);
  }
  // Longest first: a shorter form inside a longer one must not leave the rest standing.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters that depend only on `bytes`, for each of the three positions the
 * bytes can start at in an encoded stream: characters shared with a neighbouring byte are
 * dropped at both ends, so each form is found wherever the secret sits in the stream.
 */
function alignedBase64(bytes: Buffer): string[] {
  const out: string[] = [bytes.toString('base64').replace(/=+$/, '')];
  for (const shift of [0, 1, 2]) {
    const total = shift + bytes.length;
    const text = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const end = Math.floor(total / 3) * 4 + (total % 3); // the last char of a partial group waits for the next byte
    out.push(text.slice([0, 2, 3][shift], end));
  }
  return out;
}

/**
 * One filter for every text a peer sent that the hub stores or shows (errors, names in a
 * test answer): the given secrets in every form of credentialForms, then anything that
 * looks like a credential (maskCredentials).
 */
export function peerTextRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = credentialForms(secrets);
  return (text) => maskCredentials(redactSecrets(text, forms));
}
