/**
 * The rules Jira Cloud applies to an Atlassian Document Format body (the subset of the ADF
 * JSON schema, http://go.atlassian.com/adf-json-schema, that a card's text can reach): the
 * fake Jira answers 400 `INVALID_INPUT` like Jira when any is broken. Returns the problems.
 */
const BLOCKS = new Set([
  'paragraph',
  'bulletList',
  'orderedList',
  'codeBlock',
  'heading',
  'rule',
  'blockquote',
]);
const MARKS = new Set([
  'strong',
  'em',
  'code',
  'link',
  'strike',
  'underline',
  'subsup',
  'textColor',
]);

type Json = Record<string, unknown>;

export function adfProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const d = doc as Json;
  if (!d || typeof d !== 'object') return ['the document must be an object'];
  if (d.type !== 'doc') problems.push('doc: type must be "doc"');
  if (d.version !== 1) problems.push('doc: version must be 1');
  if (!Array.isArray(d.content)) return [...problems, 'doc: content must be an array'];
  (d.content as unknown[]).forEach((n, i) => block(n, `content[${i}]`, problems));
  return problems;
}

function block(node: unknown, at: string, problems: string[]): void {
  const n = node as Json;
  if (!n || typeof n !== 'object' || typeof n.type !== 'string' || !BLOCKS.has(n.type)) {
    problems.push(`${at}: not a block node`);
    return;
  }
  const content = n.content as unknown[] | undefined;
  if (content !== undefined && !Array.isArray(content))
    return void problems.push(`${at}: content must be an array`);
  switch (n.type) {
    case 'paragraph':
    case 'heading':
      content?.forEach((c, i) => inline(c, `${at}.content[${i}]`, problems));
      break;
    case 'codeBlock':
      content?.forEach((c, i) => {
        inline(c, `${at}.content[${i}]`, problems);
        if ((c as Json).marks) problems.push(`${at}.content[${i}]: codeBlock text takes no marks`);
      });
      break;
    case 'bulletList':
    case 'orderedList':
      if (!content?.length) problems.push(`${at}: a list needs at least one listItem`);
      content?.forEach((item, i) => {
        const li = item as Json;
        const inner = li?.content as unknown[] | undefined;
        if (li?.type !== 'listItem' || !Array.isArray(inner) || !inner.length)
          return void problems.push(`${at}.content[${i}]: must be a non-empty listItem`);
        if ((inner[0] as Json)?.type !== 'paragraph')
          problems.push(`${at}.content[${i}]: a listItem starts with a paragraph`);
        inner.forEach((c, j) => block(c, `${at}.content[${i}].content[${j}]`, problems));
      });
      break;
    default:
      break;
  }
}

function inline(node: unknown, at: string, problems: string[]): void {
  const n = node as Json;
  if (n?.type === 'hardBreak') return;
  if (n?.type !== 'text') return void problems.push(`${at}: not an inline node`);
  if (typeof n.text !== 'string' || n.text.length === 0)
    problems.push(`${at}: text nodes must not be empty`);
  else if (n.text !== n.text.toWellFormed()) problems.push(`${at}: text has a lone surrogate`);
  if (n.marks === undefined) return;
  if (!Array.isArray(n.marks)) return void problems.push(`${at}: marks must be an array`);
  const types = (n.marks as Json[]).map((m) => m?.type as string);
  if (new Set(types).size !== types.length) problems.push(`${at}: a mark appears twice`);
  for (const [i, m] of (n.marks as Json[]).entries()) {
    if (!MARKS.has(m?.type as string)) problems.push(`${at}.marks[${i}]: unknown mark`);
    if (m?.type === 'link') {
      const href = (m.attrs as Json | undefined)?.href;
      if (typeof href !== 'string' || !URL.canParse(href))
        problems.push(`${at}.marks[${i}]: a link needs attrs.href, a URL`);
    }
  }
  if (types.includes('code') && types.some((t) => t !== 'code' && t !== 'link'))
    problems.push(`${at}: code combines only with link`);
}
