import { decodeCursor } from '../cursor.js';
import { changeEvents } from './change-events.js';

const LOG = '0123456789abcdef';
const row = (table: string, seq: number) => ({
  table,
  tx: '100',
  seq: String(seq),
  json: `{"id":"${table}-${seq}"}`,
});

describe('changeEvents', () => {
  it('sends one event per run of one table, each ending at its own last row, the last at the end of the read', () => {
    const end = { tx: '105', seq: '0' };
    const events = changeEvents(
      'notes',
      LOG,
      [row('cards', 1), row('cards', 2), row('lists', 3), row('cards', 4)],
      end,
      false,
    );
    expect(events.map((e) => JSON.parse(e.json))).toEqual([
      {
        table: 'cards',
        changes: [{ id: 'cards-1' }, { id: 'cards-2' }],
        syncedUntil: events[0].id,
        hasMore: true,
      },
      { table: 'lists', changes: [{ id: 'lists-3' }], syncedUntil: events[1].id, hasMore: true },
      { table: 'cards', changes: [{ id: 'cards-4' }], syncedUntil: events[2].id, hasMore: false },
    ]);
    expect(events.map((e) => decodeCursor('notes', e.id))).toEqual([
      { tx: '100', seq: '2', log: LOG },
      { tx: '100', seq: '3', log: LOG },
      { ...end, log: LOG },
    ]);
  });

  it('says hasMore on the last event when another page follows, and sends nothing for no rows', () => {
    const end = { tx: '100', seq: '1' };
    expect(
      changeEvents('notes', LOG, [row('cards', 1)], end, true).map((e) => JSON.parse(e.json)),
    ).toMatchObject([{ table: 'cards', hasMore: true }]);
    expect(changeEvents('notes', LOG, [], end, true)).toEqual([]);
  });
});
