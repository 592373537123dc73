import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    const a = JSON.parse('{"b": 1, "a": {"y": [3, {"d": 1, "c": 2}], "x": null}}');
    const b = JSON.parse('{"a":{"x":null,"y":[3,{"c":2,"d":1}]},"b":1}');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":null,"y":[3,{"c":2,"d":1}]},"b":1}');
  });

  it('tells apart arrays in another order and different values', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('gives an absent body the text null', () => {
    expect(canonicalJson(undefined)).toBe('null');
  });
});
