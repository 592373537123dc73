import {
  comparePositions,
  decodeCursor,
  encodeCursor,
  EXAMPLE_CURSOR,
  isLogId,
  newLogId,
} from './cursor.js';

const LOG = '0123456789abcdef';

describe('sync cursors', () => {
  it('round-trips a position and its log, including 64-bit transaction ids', () => {
    const p = { tx: '18446744073709551000', seq: '42' };
    expect(decodeCursor('todo', encodeCursor('todo', LOG, p))).toEqual({ ...p, log: LOG });
  });

  it('reads a cursor of the format before log ids as one without a log (null)', () => {
    const legacy = Buffer.from('1|todo|90412|1042').toString('base64url');
    expect(decodeCursor('todo', legacy)).toEqual({ tx: '90412', seq: '1042', log: null });
  });

  it('refuses garbage, another app’s cursor, a malformed log and another format with a reason', () => {
    expect(decodeCursor('todo', 'not a cursor!')).toMatch(/not a cursor/);
    expect(decodeCursor('todo', Buffer.from('x').toString('base64url'))).toMatch(/not a cursor/);
    expect(decodeCursor('todo', encodeCursor('other', LOG, { tx: '1', seq: '1' }))).toMatch(
      /another app/,
    );
    expect(decodeCursor('todo', Buffer.from('2|XYZ|todo|1|1').toString('base64url'))).toMatch(
      /not a cursor/,
    );
    expect(decodeCursor('todo', Buffer.from('0|todo|1|1').toString('base64url'))).toMatch(
      /another server version/,
    );
    expect(decodeCursor('todo', Buffer.from('3|x|todo|1|1').toString('base64url'))).toMatch(
      /another server version/,
    );
  });

  it('refuses positions past xid8 (tx) and bigint (seq), which SQL could not cast', () => {
    const raw = (tx: string, seq: string) =>
      Buffer.from(`2|${LOG}|todo|${tx}|${seq}`).toString('base64url');
    expect(decodeCursor('todo', raw('18446744073709551615', '9223372036854775807'))).toEqual({
      tx: '18446744073709551615',
      seq: '9223372036854775807',
      log: LOG,
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

  it('makes distinct well-formed log ids, and a well-formed documentation example', () => {
    const ids = new Set(Array.from({ length: 100 }, newLogId));
    expect(ids.size).toBe(100);
    expect([...ids].every(isLogId)).toBe(true);
    expect(decodeCursor('notes', EXAMPLE_CURSOR)).toMatchObject({ tx: '90412', seq: '1042' });
  });
});
