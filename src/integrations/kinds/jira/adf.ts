/**
 * Plain text or light Markdown to Atlassian Document Format (ADF), the body Jira Cloud's
 * REST v3 wants for descriptions and comments. Jira answers 400 for a document with an empty
 * text node, a mark a node may not carry, or a link without a usable href: this builder
 * never produces one, whatever the card holds (see adf.spec.ts, a property test).
 */
export interface AdfMark {
  type: 'strong' | 'em' | 'code' | 'link';
  attrs?: { href: string };
}
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: (AdfNode | AdfText)[];
}
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/** Jira rejects descriptions and comments over 32 767 characters. */
const MAX_CHARS = 32_000;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s*```/;
// Control characters other than tab are not allowed in ADF text (and mean nothing here).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function toAdf(input: string | null | undefined): AdfDoc {
  let text = (input ?? '').toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROL, '');
  if (text.length > MAX_CHARS) text = `${text.slice(0, MAX_CHARS).toWellFormed()}…`;
  const content: AdfNode[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    if (FENCE.test(line)) {
      const code: string[] = [];
      for (i++; i < lines.length && !FENCE.test(lines[i]); i++) code.push(lines[i]);
      const body = code.join('\n');
      content.push({
        type: 'codeBlock',
        ...(body ? { content: [{ type: 'text', text: body }] } : {}),
      });
      continue;
    }
    const list = listKind(line);
    if (list) {
      const items: AdfNode[] = [];
      for (; i < lines.length && listKind(lines[i]) === list; i++) {
        const inline = inlineNodes(lines[i].match(list === 'bulletList' ? BULLET : ORDERED)![1]);
        if (inline.length)
          items.push({ type: 'listItem', content: [{ type: 'paragraph', content: inline }] });
      }
      i--;
      if (items.length) content.push({ type: list, content: items });
      continue;
    }
    const inline = inlineNodes(line);
    if (inline.length) content.push({ type: 'paragraph', content: inline });
  }
  return { type: 'doc', version: 1, content };
}

function listKind(line: string): 'bulletList' | 'orderedList' | undefined {
  if (BULLET.test(line)) return 'bulletList';
  if (ORDERED.test(line)) return 'orderedList';
  return undefined;
}

// Order matters: code spans first (nothing inside them is Markdown), then links, then emphasis.
const INLINE =
  /`([^`]+)`|\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)|(https?:\/\/[^\s<>()[\]]+[^\s<>()[\].,;:!?'"])|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s](?:[^*]*[^*\s])?)\*(?![\w*])|(?<![\w_])_([^_\s](?:[^_]*[^_\s])?)_(?![\w_])/gu;

function inlineNodes(line: string): AdfText[] {
  const out: AdfText[] = [];
  const push = (text: string, marks?: AdfMark[]) => {
    if (!text) return;
    out.push(marks?.length ? { type: 'text', text, marks } : { type: 'text', text });
  };
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    push(line.slice(last, m.index));
    last = m.index + m[0].length;
    const [, code, label, href, bare, strong, em1, em2] = m;
    if (code !== undefined) push(code, [{ type: 'code' }]);
    else if (label !== undefined) push(label, linkMark(href));
    else if (bare !== undefined) push(bare, linkMark(bare));
    else if (strong !== undefined) push(strong, [{ type: 'strong' }]);
    else push(em1 ?? em2, [{ type: 'em' }]);
  }
  push(line.slice(last));
  return out;
}

function linkMark(href: string): AdfMark[] {
  try {
    return [{ type: 'link', attrs: { href: new URL(href).href } }];
  } catch {
    return [];
  }
}
