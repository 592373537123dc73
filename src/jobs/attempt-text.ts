const MAX = 1000;

// Credentials that commonly end up in error messages (an echoed header, a URL query).
const SECRETS = [
  /(\b(?:proxy-)?authorization["']?\s*[:=]\s*)[^\r\n,;]+/gi,
  /(\bbearer\s+)[^\s,;"']+/gi,
  /(\bbasic\s+)[A-Za-z0-9+/=]{8,}/gi,
  /(\b(?:token|secret|password|passwd|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
  /(\/\/[^/\s:@]+:)[^@\s/]+(@)/g,
];

/** A summary or error as stored in an attempt row: credentials masked, at most 1000 characters. */
export function attemptText(text: string | undefined | null): string | null {
  if (text === undefined || text === null || text === '') return null;
  let out = String(text);
  for (const pattern of SECRETS)
    out = out.replace(
      pattern,
      (_m, a: string, b?: string) => `${a}[redacted]${typeof b === 'string' ? b : ''}`,
    );
  return out.length > MAX ? `${out.slice(0, MAX - 1)}…` : out;
}
