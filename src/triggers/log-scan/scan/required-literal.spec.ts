import { compileLinearRegex } from '../../../common/regex/linear-regex.js';
import { foldedLiteral, foldForPrefilter, requiredLiteral } from './required-literal.js';

describe('requiredLiteral', () => {
  it.each([
    ['OOMKilled', 'OOMKilled'],
    ['disk .* full', 'disk '],
    ['^ERROR (?P<code>\\d+) at', 'ERROR '],
    ['timeout after \\d+ms', 'timeout after '],
    ['colou?r mismatch', 'r mismatch'],
    ['a\\.b\\.cd', 'a.b.cd'],
    ['abcd+ef', 'abcd'],
    ['xy{2}zzz', 'zzz'],
    ['[abc]+panic: [0-9]+', 'panic: '],
    ['(?:fatal|critical): OOMKilled', ': OOMKilled'],
  ])('finds a literal every match of %s contains', (pattern, literal) => {
    expect(requiredLiteral(pattern)).toBe(literal);
  });

  it.each([
    ['error|warn'],
    ['(?i)oomkilled'],
    ['(?i:disk) full!'],
    ['\\Qa.b\\E'],
    ['\\p{Greek}+ word'],
    ['(disk) (full)'],
    ['ab?'],
  ])('gives no prefilter for %s', (pattern) => {
    expect(requiredLiteral(pattern)).toBeNull();
  });

  it('finds a lowercase literal for a pattern that is case-insensitive throughout', () => {
    expect(foldedLiteral('(?i)OOMKilled r4$')).toBe('oomkilled r4');
    expect(foldedLiteral('(?is)disk .* Full')).toBe('disk ');
    expect(foldedLiteral('OOMKilled')).toBeNull();
    expect(foldedLiteral('(?i)(?-i)abc')).toBeNull();
    expect(foldedLiteral('(?i)σίγμα')).toBeNull();
  });

  it('folds the characters RE2 matches to ASCII letters case-insensitively', () => {
    const re = compileLinearRegex('(?i)kiss');
    for (const line of ['KISS', '\u212aI\u017f\u017f', 'Kiss']) {
      expect(re.test(line)).toBe(true);
      expect(foldForPrefilter(line).includes(foldedLiteral('(?i)kiss')!)).toBe(true);
    }
  });

  // The property that matters: a line the regex matches always contains the literal.
  it('never rejects a line the regex matches (random patterns and lines)', () => {
    const atoms = [
      'a',
      'b',
      'c',
      'ab',
      '.',
      '\\d',
      '[ab]',
      '(a|c)',
      '(?:bc|a)',
      '\\.',
      '-',
      'B',
      'C',
    ];
    const quantifiers = ['', '', '', '?', '*', '+', '{2}', '{0,1}'];
    const alphabet = 'abcABC.-1 ';
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let checked = 0;
    for (let p = 0; p < 400; p++) {
      let pattern = '';
      for (let k = 0; k < 2 + rand(6); k++)
        pattern += atoms[rand(atoms.length)] + quantifiers[rand(quantifiers.length)];
      const folded = rand(3) === 0;
      const literal = folded ? foldedLiteral(`(?i)${pattern}`, 1) : requiredLiteral(pattern, 1);
      if (literal === null) continue;
      const re = compileLinearRegex(folded ? `(?i)${pattern}` : pattern);
      for (let l = 0; l < 200; l++) {
        let line = '';
        for (let k = 0; k < rand(12); k++) line += alphabet[rand(alphabet.length)];
        if (re.test(line)) {
          checked++;
          const seen = folded ? foldForPrefilter(line) : line;
          expect({ pattern, line, contains: seen.includes(literal) }).toEqual({
            pattern,
            line,
            contains: true,
          });
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
