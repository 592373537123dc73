import { comparePositions, decodeCursor, encodeCursor } from './cursor.js';

describe('sync cursors', () => {
  it('round-trips a position, including 64-bit transaction ids', () => {
    const p = { tx: '18446744073709551000', seq: '42' };
    expect(decodeCursor('todo', encodeCursor('todo', p))).toEqual(p);
  });

  it('refuses garbage, another app’s cursor and another format version with a reason', () => {
    expect(decodeCursor('todo', 'not a cursor!')).toMatch(/not a cursor/);
    expect(decodeCursor('todo', Buffer.from('x').toString('base64url'))).toMatch(/not a cursor/);
    expect(decodeCursor('todo', encodeCursor('other', { tx: '1', seq: '1' }))).toMatch(
      /another app/,
    );
    expect(decodeCursor('todo', Buffer.from('0|todo|1|1').toString('base64url'))).toMatch(
      /another server version/,
    );
  });

  it('refuses positions past xid8 (tx) and bigint (seq), which SQL could not cast', () => {
    const raw = (tx: string, seq: string) =>
      Buffer.from(`1|todo|${tx}|${seq}`).toString('base64url');
    expect(decodeCursor('todo', raw('18446744073709551615', '9223372036854775807'))).toEqual({
      tx: '18446744073709551615',
      seq: '9223372036854775807',
    });
    expect(decodeCursor('todo', raw('18446744073709551616', '1'))).toMatch(/not a cursor/);
    expect(decodeCursor('todo', raw('99999999999999999999', '1'))).toMatch(/not a cursor/);
    expect(decodeCursor('todo', raw('1', '9223372036854775808'))).toMatch(/not a cursor/);
  });

  it('orders by transaction id first, numerically', () => {
    expect(comparePositions({ tx: '9', seq: '100' }, { tx: '10', seq: '1' })).toBe(-1);
    expect(comparePositions({ tx: '10', seq: '2' }, { tx: '10', seq: '1' })).toBe(1);
    expect(comparePositions({ tx: '10', seq: '1' }, { tx: '10', seq: '1' })).toBe(0);
  });
});
