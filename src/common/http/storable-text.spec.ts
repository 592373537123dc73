import {
  jsonBodyProblem,
  MAX_JSON_DEPTH,
  storableProblem,
  storableRecord,
  storableText,
  textProblem,
} from './storable-text.js';

describe('storable text', () => {
  it('refuses NUL and lone surrogates, keeps paired surrogates and other text', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
    expect(textProblem('\ud800')).toMatch(/surrogate/);
    expect(textProblem('x\udc00')).toMatch(/surrogate/);
    expect(textProblem('\ud83d\ude00 Zürich € \t\n')).toBeUndefined();
  });

  it('names the JSON path of the first problem, in class-validator style', () => {
    expect(jsonBodyProblem({ data: { list: [1, 'ok', 'b\u0000'] } })).toEqual({
      field: 'data.list[2]',
      message: expect.stringMatching(/NUL/),
    });
    expect(jsonBodyProblem([{ a: 'ok' }, { a: '\ud800' }])).toMatchObject({ field: '[1].a' });
    expect(jsonBodyProblem({ m: { 'k\u0000': 1 } })).toMatchObject({
      field: 'm."k\\u0000"',
      message: expect.stringMatching(/^key /),
    });
    expect(storableProblem('x\u0000', 'userId')).toMatchObject({ field: 'userId' });
    expect(storableProblem({ a: ['\u0000'] }, 'query')).toMatchObject({ field: 'query.a[0]' });
  });

  it(`allows ${MAX_JSON_DEPTH} levels of nesting and refuses one more, without recursion`, () => {
    const nest = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    expect(jsonBodyProblem(nest(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonBodyProblem(nest(MAX_JSON_DEPTH + 1))?.message).toMatch(/deeper than 64/);
    expect(jsonBodyProblem(nest(100_000))?.message).toMatch(/deeper than 64/);
  });

  it('refuses prototype keys at the top level only: below, free-form JSON keeps them', () => {
    expect(jsonBodyProblem(JSON.parse('{"__proto__":{"x":1}}'))).toEqual({
      field: '__proto__',
      message: 'should not exist',
    });
    expect(jsonBodyProblem(JSON.parse('[{"constructor":1}]'))).toMatchObject({
      field: '[0].constructor',
    });
    expect(jsonBodyProblem(JSON.parse('{"data":{"constructor":{"a":1}}}'))).toBeUndefined();
  });
});

describe('storableText', () => {
  it('replaces NUL and lone surrogates, keeps everything else', () => {
    expect(storableText('ok\0done')).toBe('ok\uFFFDdone');
    expect(storableText('a\ud800b')).toBe('a\uFFFDb');
    expect(storableText('Zürich € 😀')).toBe('Zürich € 😀');
    expect(storableText(null)).toBeNull();
  });

  it('cleans names and values of a record', () => {
    expect(storableRecord({ 'x\0': 'v\0' })).toEqual({ 'x\uFFFD': 'v\uFFFD' });
  });
});
