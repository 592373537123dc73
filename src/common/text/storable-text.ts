/**
 * Text from outside (a receiver's reply, a peer's error) made safe for PostgreSQL `text` and
 * `jsonb`, which refuse NUL (`\u0000`) and lone UTF-16 surrogates: both become U+FFFD, as
 * invalid UTF-8 already does when bytes are decoded. Without this, one hostile reply fails
 * the statement that stores it, and every row written with it.
 */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  if (text === null) return null;
  return text.replace(/\0/g, '\uFFFD').toWellFormed();
}

export function storableRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [storableText(k), storableText(v)]),
  );
}
