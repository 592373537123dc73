import { compileLinearRegex } from '../../common/regex/linear-regex.js';
import {
  foldForPrefilter,
  LinePrefilter,
  linePrefilter,
  LiteralNeed,
  satisfies,
} from './required-literal.js';

const passes = (filter: LinePrefilter, line: string) =>
  satisfies(filter.need, filter.folded ? foldForPrefilter(line) : line);

describe('linePrefilter', () => {
  it.each<[string, LiteralNeed]>([
    ['OOMKilled', 'OOMKilled'],
    ['disk .* full', { all: ['disk ', ' full'] }],
    ['^ERROR (?P<code>\\d+) at', { all: ['ERROR ', ' at'] }],
    ['timeout after \\d+ms', 'timeout after '],
    ['a\\.b\\.cd', 'a.b.cd'],
    ['[abc]+panic: [0-9]+', 'panic: '],
    ['(?:fatal|critical): OOMKilled', { all: [{ any: ['fatal', 'critical'] }, ': OOMKilled'] }],
    ['error|warn', { any: ['error', 'warn'] }],
    // The digits of a counted repetition are not text (they once were, and such rules never fired).
    ['x.{0,100}yyy', 'yyy'],
    ['abc{123}def', 'def'],
    ['(?i:disk) full', ' full'],
    ['(disk) (full)?', 'disk'],
  ])('finds what every match of %s contains', (pattern, need) => {
    const found = linePrefilter(pattern);
    expect(found?.folded).toBe(false);
    expect(found?.need).toEqual(need);
  });

  it.each([
    ['\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}'],
    ['[A-Z]{2,10}-\\d+'],
    ['error|w'],
    ['ab?'],
  ])('gives no prefilter for %s (nothing of 3 characters is certain)', (pattern) => {
    expect(linePrefilter(pattern)).toBeNull();
  });

  it('finds a lowercase ASCII literal for a pattern that is case-insensitive throughout', () => {
    expect(linePrefilter('(?i)OOMKilled r4$')).toEqual({ need: 'oomkilled r4', folded: true });
    expect(linePrefilter('(?is)disk .* Full')).toEqual({
      need: { all: ['disk ', ' full'] },
      folded: true,
    });
    expect(linePrefilter('(?i)σίγμα')).toBeNull();
  });

  it('folds the characters RE2 matches to ASCII letters case-insensitively', () => {
    const re = compileLinearRegex('(?i)kiss');
    const filter = linePrefilter('(?i)kiss')!;
    for (const line of ['KISS', '\u212aI\u017f\u017f', 'Kiss']) {
      expect(re.test(line)).toBe(true);
      expect(passes(filter, line)).toBe(true);
    }
  });

  // The property that matters: the prefilter never rejects a line the regex matches. Patterns
  // are generated with a sample of their matches, and lines are those samples mutated.
  it('never rejects a line the regex matches (generated patterns and lines, fixed seed)', () => {
    const rand = seeded(20_260_601);
    let matched = 0;
    let filtered = 0;
    for (let p = 0; p < 1_500; p++) {
      const g = sequence(rand, 0, true);
      const folded = rand(4) === 0;
      const pattern = folded ? `(?i)${g.src}` : g.src;
      const filter = linePrefilter(pattern, 1);
      if (filter === null) continue;
      filtered++;
      const re = compileLinearRegex(pattern);
      for (let l = 0; l < 12; l++) {
        let line = mutate(rand, g.sample());
        if (folded) line = flipCase(rand, line);
        if (!re.test(line)) continue;
        matched++;
        if (!passes(filter, line))
          throw new Error(`prefilter rejects ${JSON.stringify(line)} for ${pattern}`);
      }
    }
    expect(filtered).toBeGreaterThan(800);
    expect(matched).toBeGreaterThan(5_000);
  });
});

interface Gen {
  src: string;
  sample: () => string;
}

type Rand = (n: number) => number;

function seeded(seed: number): Rand {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

const pick = <T>(rand: Rand, list: readonly T[]): T => list[rand(list.length)];
const ALPHABET = 'abcxyz0123{},.-: ';

function atom(rand: Rand, depth: number): Gen {
  const kind = rand(depth < 2 ? 10 : 7);
  if (kind <= 2) {
    const run = Array.from({ length: 1 + rand(4) }, () =>
      pick(rand, [...'abcxyz0123-: ', '.', '{', '}']),
    );
    const src = run.map((c) => ('.{}'.includes(c) ? `\\${c}` : c)).join('');
    return { src, sample: () => run.join('') };
  }
  if (kind <= 6) {
    const cls = pick(rand, [
      { src: '[ab]', chars: 'ab' },
      { src: '[0-9]', chars: '0123456789' },
      { src: '\\d', chars: '0123' },
      { src: '\\w', chars: 'ax1_' },
      { src: '.', chars: ALPHABET },
      { src: '[^a]', chars: 'b1{' },
      { src: '\\.', chars: '.' },
      { src: '\\{', chars: '{' },
    ]);
    return { src: cls.src, sample: () => pick(rand, [...cls.chars]) };
  }
  if (kind <= 8) {
    const inner = sequence(rand, depth + 1, false);
    const open = pick(rand, ['(', '(?:', '(?P<g>']);
    return { src: `${open}${inner.src})`, sample: inner.sample };
  }
  const a = sequence(rand, depth + 1, false);
  const b = sequence(rand, depth + 1, false);
  return { src: `(?:${a.src}|${b.src})`, sample: () => (rand(2) ? a.sample() : b.sample()) };
}

function quantified(rand: Rand, depth: number): Gen {
  const a = atom(rand, depth);
  const m = rand(4);
  const n = m + rand(4);
  const q = pick(rand, [
    { src: '', min: 1, max: 1 },
    { src: '', min: 1, max: 1 },
    { src: '?', min: 0, max: 1 },
    { src: '*', min: 0, max: 3 },
    { src: '+', min: 1, max: 3 },
    { src: `{${m}}`, min: m, max: m },
    { src: `{${m},}`, min: m, max: m + 2 },
    { src: `{${m},${n}}`, min: m, max: n },
    { src: `{${m},${n}}?`, min: m, max: n },
  ]);
  if (q.src === '') return a;
  // A quantifier binds to one character: a run of several is grouped first.
  const src =
    /^(?:\\.|[^\\])$/.test(a.src) || a.src.startsWith('(') || a.src.startsWith('[')
      ? a.src
      : `(?:${a.src})`;
  return {
    src: src + q.src,
    sample: () => Array.from({ length: q.min + rand(q.max - q.min + 1) }, a.sample).join(''),
  };
}

function sequence(rand: Rand, depth: number, top: boolean): Gen {
  const parts = Array.from({ length: 1 + rand(4) }, () => quantified(rand, depth));
  const seq = {
    src: parts.map((p) => p.src).join(''),
    sample: () => parts.map((p) => p.sample()).join(''),
  };
  if (!top || rand(5) !== 0) return seq;
  const other = sequence(rand, depth + 1, false);
  return {
    src: `${seq.src}|${other.src}`,
    sample: () => (rand(2) ? seq.sample() : other.sample()),
  };
}

function mutate(rand: Rand, line: string): string {
  const junk = () => Array.from({ length: rand(4) }, () => pick(rand, [...ALPHABET])).join('');
  let out = junk() + line + junk();
  if (out.length > 0 && rand(3) === 0) {
    const at = rand(out.length);
    out = out.slice(0, at) + (rand(2) ? pick(rand, [...ALPHABET]) : '') + out.slice(at + 1);
  }
  return out;
}

function flipCase(rand: Rand, line: string): string {
  return [...line].map((c) => (rand(2) ? c.toUpperCase() : c)).join('');
}
