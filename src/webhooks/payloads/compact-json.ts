const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Valid JSON text without the whitespace between tokens: `{"type" : "a", "data" : {"id": 1}}`
 * (PostgreSQL's json/jsonb output) becomes `{"type":"a","data":{"id":1}}`, the form the docs
 * show and test sends use. Only whitespace outside strings goes; strings and numbers keep
 * their exact text (a JSON.parse/stringify round trip would turn 1.10 into 1.1 and round
 * integers above 2^53).
 */
export function compactJson(text: string): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i += 1;
      while (i < text.length && text.charCodeAt(i) !== QUOTE)
        i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
      i += 1;
    } else if (isJsonWhitespace(c)) {
      out += text.slice(runStart, i);
      while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i += 1;
      runStart = i;
    } else {
      i += 1;
    }
  }
  return runStart === 0 ? text : out + text.slice(runStart);
}
