import { storableRecord, storableText } from './storable-text.js';

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
