import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Docs say only what is true, and the cheapest lie to catch is a path that moved: every
 * relative link in README.md and docs/*.md must reach a file (and its #anchor a heading), and
 * every repository path written in backticks (`src/...`, `test/...`) must exist.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Folders .gitignore names (bench/results/...): written by runs, not in a clone. */
const IGNORED = fs
  .readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim().replace(/^\//, ''))
  .filter((l) => l.endsWith('/') && !l.includes('*'));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} +(.+)$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Prose with the code blocks taken out (their paths are examples, not claims). */
const prose = (file: string) =>
  fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');

describe('links and paths in the docs', () => {
  it.each(DOCS)('%s links only to files and headings that exist', (file) => {
    const broken: string[] = [];
    // Inline code is an example (`[text](url)`), not a link.
    for (const m of prose(file)
      .replace(/`[^`\n]*`/g, '')
      .matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [rel, anchor] = target.split('#');
      const resolved = rel ? path.join(path.dirname(file), rel) : file;
      if (!fs.existsSync(path.join(ROOT, resolved))) {
        broken.push(`${target} (no ${resolved})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
        broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s names only repository paths that exist', (file) => {
    const missing: string[] = [];
    for (const m of prose(file).matchAll(
      /`((?:src|test|docs|bench|migrations|scripts|examples)\/[A-Za-z0-9_./*-]+)`/g,
    )) {
      const named = m[1].replace(/[.,:]$/, '');
      if (named.includes('*') || named.includes('<')) continue; // a pattern, not a path
      if (IGNORED.some((dir) => named.startsWith(dir))) continue; // made by a run
      if (!fs.existsSync(path.join(ROOT, named))) missing.push(named);
    }
    expect(missing).toEqual([]);
  });
});
