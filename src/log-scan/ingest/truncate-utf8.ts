/** Longest line kept whole, in UTF-8 bytes; longer lines are cut and flagged. */
export const MAX_LINE_BYTES = 16 * 1024;

/**
 * The text cut to at most `maxBytes` of UTF-8, never inside a character (a cut surrogate
 * pair would be a lone surrogate, which PostgreSQL refuses to store).
 */
export function truncateUtf8(
  text: string,
  maxBytes = MAX_LINE_BYTES,
): { text: string; truncated: boolean } {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no encoding at all.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes)
    return { text, truncated: false };
  const bytes = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // 10xxxxxx is a continuation byte: back up to the first byte of that character.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}
