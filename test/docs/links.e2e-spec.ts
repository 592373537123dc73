import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Docs say only what is true, and the cheapest lie to catch is a path that moved. In README.md
 * and docs/*.md:
 * - every relative link (inline, reference-style or an HTML href/src) must reach a file, and
 *   its #anchor a heading;
 * - every repository path they name (`src/...`, `test/...`, `docs/...`, `bench/...`,
 *   `migrations/...`, `scripts/...`, `examples/...`), in backticks or not, in prose or in a
 *   code block, must exist (a path with `*`, `<` or `…` in it is a pattern, not a path);
 * - every source file named in backticks by its name alone or below a module folder
 *   (`lean-post.ts`, `kinds/jira/adf.ts`) must exist somewhere in the repository.
 */
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const PATH_ROOTS = ['src', 'test', 'docs', 'bench', 'migrations', 'scripts', 'examples'];

/** Folders .gitignore names (bench/results/...): written by runs, not in a clone. */
const IGNORED = fs
  .readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim().replace(/^\//, ''))
  .filter((l) => l.endsWith('/') && !l.includes('*'));

/** Every file under the folders the docs name, as repository paths. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(rel));
    else out.push(rel);
  }
  return out;
}
const REPO_FILES = [
  ...fs
    .readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name),
  ...PATH_ROOTS.flatMap(filesUnder),
];

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

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
/** Prose with the code blocks taken out (a link in a code block is not a link). */
const prose = (file: string) => read(file).replace(/```[\s\S]*?```/g, '');

/** What is wrong with `target` (relative to `from`, a repository path), or undefined. */
function brokenTarget(from: string, target: string): string | undefined {
  const [rel, anchor] = target.split('#');
  const resolved = rel ? path.join(path.dirname(from), rel) : from;
  if (!fs.existsSync(path.join(ROOT, resolved))) return `${target} (no ${resolved})`;
  if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
    return `${target} (no heading #${anchor} in ${resolved})`;
  return undefined;
}

describe('links and paths in the docs', () => {
  it.each(DOCS)('%s links only to files and headings that exist', (file) => {
    const text = prose(file);
    const targets = [
      // Inline code is an example (`[text](url)`), not a link.
      ...[...text.replace(/`[^`\n]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]),
      ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((m) => m[1]),
      ...[...text.matchAll(/<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
    ];
    const broken: string[] = [];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const problem = brokenTarget(file, target);
      if (problem) broken.push(problem);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s names only repository paths that exist', (file) => {
    const missing: string[] = [];
    const pattern = new RegExp(
      `(?<![\\w/.$@~-])((?:${PATH_ROOTS.join('|')})/[A-Za-z0-9_./*<>…#-]*)`,
      'g',
    );
    for (const m of read(file).matchAll(pattern)) {
      const named = m[1].replace(/[.,:;]+$/, '');
      if (/[*<…]/.test(named)) continue; // a pattern, not a path
      if (IGNORED.some((dir) => named.startsWith(dir))) continue; // made by a run
      const [rel, anchor] = named.split('#');
      if (!fs.existsSync(path.join(ROOT, rel))) missing.push(named);
      else if (anchor && rel.endsWith('.md') && !anchorsOf(rel).has(anchor))
        missing.push(`${named} (no such heading)`);
    }
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s names only source files that exist', (file) => {
    const missing: string[] = [];
    const sourceFile = /`((?:[\w.-]+\/)*[\w-][\w.-]*\.(?:ts|mjs|cjs))(?::\d+)?`/g;
    for (const m of prose(file).matchAll(sourceFile)) {
      const named = m[1];
      if (PATH_ROOTS.some((root) => named.startsWith(`${root}/`))) continue; // checked above
      if (!REPO_FILES.some((f) => f === named || f.endsWith(`/${named}`))) missing.push(named);
    }
    expect(missing).toEqual([]);
  });
});
