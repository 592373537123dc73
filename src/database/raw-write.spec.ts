import { rawWrite } from './raw-write.js';

const answering = (result: unknown) => ({ query: async () => result });

describe('rawWrite', () => {
  it('reads the [rows, count] tuple of an UPDATE or DELETE', async () => {
    expect(await rawWrite(answering([[{ id: 1 }], 3]), 'DELETE ...')).toEqual({
      rows: [{ id: 1 }],
      affected: 3,
    });
    expect(await rawWrite(answering([[], 0]), 'UPDATE ...')).toEqual({ rows: [], affected: 0 });
  });

  it('reads the plain rows of an INSERT ... RETURNING', async () => {
    const rows = [{ id: 1 }, { id: 2 }];
    expect(await rawWrite(answering(rows), 'INSERT ...')).toEqual({ rows, affected: 2 });
  });
});
