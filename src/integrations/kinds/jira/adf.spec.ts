import { adfProblems } from '../../../testing/fakes/jira/adf-rules.js';
import { toAdf } from './adf.js';

/** A small seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that stress the Markdown rules, plus arbitrary code units (lone surrogates, controls).
const PIECES = [
  '*',
  '**',
  '_',
  '`',
  '```',
  '[',
  ']',
  '(',
  ')',
  'http://',
  'https://a.b/c',
  '- ',
  '1. ',
  '\n',
  '\r\n',
  ' ',
  '\t',
  'x',
  'word',
  '\u0000',
  '\ud800',
  '\udfff',
  '😀',
  '[l](https://x.y)',
  'javascript:alert(1)',
];

function randomText(next: () => number): string {
  let out = '';
  const n = Math.floor(next() * 40);
  for (let i = 0; i < n; i++)
    out +=
      next() < 0.8
        ? PIECES[Math.floor(next() * PIECES.length)]
        : String.fromCharCode(Math.floor(next() * 0x10000));
  return out;
}

describe('toAdf', () => {
  it('makes a document Jira accepts for any text (2000 random strings)', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const text = randomText(random(seed));
      const problems = adfProblems(JSON.parse(JSON.stringify(toAdf(text))));
      if (problems.length)
        throw new Error(`seed ${seed}: ${JSON.stringify(text)} -> ${problems.join('; ')}`);
    }
  });

  it('maps lines, lists, emphasis, code and links to their ADF nodes', () => {
    expect(
      toAdf(
        'Hello **you**\n\n- one\n- `two`\n1. first\nsee [docs](https://d.example/x) or https://e.example',
      ),
    ).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Hello ' },
            { type: 'text', text: 'you', marks: [{ type: 'strong' }] },
          ],
        },
        {
          type: 'bulletList',
          content: [
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }],
            },
            {
              type: 'listItem',
              content: [
                {
                  type: 'paragraph',
                  content: [{ type: 'text', text: 'two', marks: [{ type: 'code' }] }],
                },
              ],
            },
          ],
        },
        {
          type: 'orderedList',
          content: [
            {
              type: 'listItem',
              content: [{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }],
            },
          ],
        },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'see ' },
            {
              type: 'text',
              text: 'docs',
              marks: [{ type: 'link', attrs: { href: 'https://d.example/x' } }],
            },
            { type: 'text', text: ' or ' },
            {
              type: 'text',
              text: 'https://e.example',
              marks: [{ type: 'link', attrs: { href: 'https://e.example/' } }],
            },
          ],
        },
      ],
    });
  });

  it('gives an empty or blank text an empty document, not an empty text node', () => {
    expect(toAdf('')).toEqual({ type: 'doc', version: 1, content: [] });
    expect(toAdf(' \n\t\n')).toEqual({ type: 'doc', version: 1, content: [] });
    expect(toAdf('```\n```').content).toEqual([{ type: 'codeBlock' }]);
  });
});
