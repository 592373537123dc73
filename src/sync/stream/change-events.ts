import { encodeCursor, Position } from '../cursor.js';

/** One `changes` event: its data (one line of JSON) and its `id:`. */
export interface ChangeEvent {
  json: string;
  id: string;
}

/**
 * The `changes` events for rows in log order, in mana-sync's shape
 * `{table, changes, syncedUntil, hasMore}`: one event per run of consecutive rows of one
 * table (a mana-sync client keeps a cursor per table, from `table`). Each event's `id:` and
 * `syncedUntil` are the position of its own last row, and the last event's the position the
 * read reached (`end`): every id is exactly what the client has received, so a resume from any
 * of them neither skips nor repeats a change. `hasMore`: more changes are already waiting
 * after this event (the rest of this read, or a further page when `more`).
 */
export function changeEvents(
  appId: string,
  log: string,
  rows: readonly { table: string; tx: string; seq: string; json: string }[],
  end: Position,
  more: boolean,
): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  let start = 0;
  while (start < rows.length) {
    const table = rows[start].table;
    let stop = start + 1;
    while (stop < rows.length && rows[stop].table === table) stop++;
    const last = stop === rows.length;
    const position = last ? end : { tx: rows[stop - 1].tx, seq: rows[stop - 1].seq };
    const id = encodeCursor(appId, log, position);
    const changes = rows
      .slice(start, stop)
      .map((r) => r.json)
      .join(',');
    events.push({
      json: `{"table":${JSON.stringify(table)},"changes":[${changes}],"syncedUntil":${JSON.stringify(id)},"hasMore":${!last || more}}`,
      id,
    });
    start = stop;
  }
  return events;
}
