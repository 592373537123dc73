import { truncateUtf8 } from './truncate-utf8.js';

describe('truncateUtf8', () => {
  it('keeps a line within the limit unchanged', () => {
    expect(truncateUtf8('héllo', 6)).toEqual({ text: 'héllo', truncated: false });
  });

  it('cuts ASCII exactly at the limit', () => {
    expect(truncateUtf8('abcdefgh', 5)).toEqual({ text: 'abcde', truncated: true });
  });

  it('never splits a multi-byte character or a surrogate pair', () => {
    // "é" is 2 bytes, "€" 3, "😀" 4 (a surrogate pair in UTF-16).
    for (const ch of ['é', '€', '😀']) {
      const text = 'a' + ch.repeat(10);
      for (let limit = 1; limit < Buffer.byteLength(text); limit++) {
        const cut = truncateUtf8(text, limit);
        expect(cut.truncated).toBe(true);
        expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(limit);
        expect(Buffer.byteLength(cut.text)).toBeGreaterThan(limit - Buffer.byteLength(ch));
        expect(text.startsWith(cut.text)).toBe(true);
        expect(cut.text).not.toContain('\ufffd');
      }
    }
  });
});
