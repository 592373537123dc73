import { compactJson } from './compact-json.js';

describe('compactJson', () => {
  it('drops the spaces PostgreSQL puts after colons and commas', () => {
    expect(compactJson('{"type" : "card.created", "data" : {"id": 1, "tags": [1, 2]}}')).toBe(
      '{"type":"card.created","data":{"id":1,"tags":[1,2]}}',
    );
  });

  it('keeps whitespace, quotes and backslashes inside strings', () => {
    const text = '{"s" : "a : b, c\\" d \\\\", "t" : "\\\\"}';
    expect(compactJson(text)).toBe('{"s":"a : b, c\\" d \\\\","t":"\\\\"}');
    expect(JSON.parse(compactJson(text))).toEqual(JSON.parse(text));
  });

  it('keeps numbers exactly as written', () => {
    expect(compactJson('{"n" : 1.10, "big" : 12345678901234567890, "e" : -2E+3}')).toBe(
      '{"n":1.10,"big":12345678901234567890,"e":-2E+3}',
    );
  });

  it('returns compact text unchanged and removes newlines and tabs between tokens', () => {
    const compact = '{"a":[true,false,null],"b":"é ☃"}';
    expect(compactJson(compact)).toBe(compact);
    expect(compactJson('{\n\t"a" :\r\n [ true ,false, null ],"b":"é ☃" }\n')).toBe(compact);
  });

  it('equals JSON.stringify for any value whose numbers survive a round trip', () => {
    const values: unknown[] = [
      { nested: { deep: [{ x: 'y z' }, [], {}] }, unicode: 'ü\u2028', quote: '"', slash: '\\' },
      ['a, b', 0, -1.5, 1e21, null],
      'plain string with : and ,',
    ];
    for (const value of values) {
      expect(compactJson(JSON.stringify(value, null, 2))).toBe(JSON.stringify(value));
    }
  });
});
