import {
  applyChange,
  IncomingChange,
  isAlive,
  mergeChange,
  RecordState,
  visibleFields,
  WireChange,
} from './merge.js';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const ctx = (clientId: string) => ({
  userId: 'u',
  clientId,
  schemaVersion: 1,
  nowMs: NOW,
  maxSkewMs: 5 * 60_000,
});
const empty = (): RecordState => ({
  ownerId: 'u',
  spaceId: null,
  fields: {},
  insertedAt: null,
  deletedAt: null,
});
const t = (minute: number) => new Date(NOW - 60 * 60_000 + minute * 60_000).toISOString();

/** Seeded PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a client shows: a deleted record shows nothing; a live one its visible fields. */
const view = (s: RecordState) => ({
  alive: isAlive(s),
  fields: isAlive(s)
    ? Object.fromEntries(Object.entries(visibleFields(s)).map(([k, f]) => [k, f.value]))
    : {},
});

describe('field-level last-write-wins', () => {
  it('keeps the newer field and reports the older one as a conflict with the winner', () => {
    const s = empty();
    applyChange(
      s,
      { eventId: 'a', table: 'x', id: '1', op: 'insert', data: { n: 1 }, at: t(1) },
      ctx('c1'),
    );
    const r = applyChange(
      s,
      { eventId: 'b', table: 'x', id: '1', op: 'update', fields: { n: { value: 0, at: t(0) } } },
      ctx('c2'),
    );
    expect(r.effective).toBeNull();
    expect(r.conflicts).toEqual([
      { eventId: 'b', table: 'x', id: '1', field: 'n', reason: 'older', value: 1, at: t(1) },
    ]);
    expect(view(s)).toEqual({ alive: true, fields: { n: 1 } });
  });

  it('compares instants, not strings: an offset timestamp later in time wins', () => {
    const s = empty();
    applyChange(
      s,
      {
        eventId: 'a',
        table: 'x',
        id: '1',
        op: 'update',
        fields: { n: { value: 'utc', at: '2026-11-23T10:30:00Z' } },
      },
      ctx('c1'),
    );
    // 11:00+01:00 is 10:00Z: earlier, although it sorts later as a string.
    const r = applyChange(
      s,
      {
        eventId: 'b',
        table: 'x',
        id: '1',
        op: 'update',
        fields: { n: { value: 'cet', at: '2026-11-23T11:00:00+01:00' } },
      },
      ctx('c2'),
    );
    expect(r.effective).toBeNull();
    expect(view(s).fields).toEqual({ n: 'utc' });
  });

  it('breaks a tie on the instant by clientId, then eventId, whatever the arrival order', () => {
    const a: IncomingChange = {
      eventId: 'e1',
      table: 'x',
      id: '1',
      op: 'update',
      fields: { n: { value: 'A', at: t(5) } },
    };
    const b: IncomingChange = {
      eventId: 'e2',
      table: 'x',
      id: '1',
      op: 'update',
      fields: { n: { value: 'B', at: t(5) } },
    };
    const s1 = empty();
    applyChange(s1, a, ctx('client-a'));
    applyChange(s1, b, ctx('client-b'));
    const s2 = empty();
    applyChange(s2, b, ctx('client-b'));
    applyChange(s2, a, ctx('client-a'));
    expect(view(s1)).toEqual({ alive: true, fields: { n: 'B' } });
    expect(view(s2)).toEqual(view(s1));
  });

  it('does not let an update resurrect a deleted record; a newer insert does', () => {
    const s = empty();
    applyChange(
      s,
      { eventId: 'a', table: 'x', id: '1', op: 'insert', data: { n: 1, m: 1 }, at: t(1) },
      ctx('c'),
    );
    applyChange(s, { eventId: 'b', table: 'x', id: '1', op: 'delete', deletedAt: t(2) }, ctx('c'));
    const upd = applyChange(
      s,
      { eventId: 'c', table: 'x', id: '1', op: 'update', fields: { n: { value: 2, at: t(3) } } },
      ctx('c'),
    );
    expect(upd.effective).toBeNull();
    expect(upd.conflicts[0]).toMatchObject({ field: 'n', reason: 'deleted' });
    expect(isAlive(s)).toBe(false);
    const old = applyChange(
      s,
      { eventId: 'd', table: 'x', id: '1', op: 'insert', data: { n: 3 }, at: t(2) },
      ctx('c'),
    );
    expect(old.effective).toBeNull();
    applyChange(
      s,
      { eventId: 'e', table: 'x', id: '1', op: 'insert', data: { n: 4 }, at: t(4) },
      ctx('c'),
    );
    // m was written before the delete: it belongs to the deleted record.
    expect(view(s)).toEqual({ alive: true, fields: { n: 4 } });
  });

  it('clamps an at far in the future to server time and reports it', () => {
    const s = empty();
    const future = new Date(NOW + 3600_000).toISOString();
    const r = applyChange(
      s,
      { eventId: 'a', table: 'x', id: '1', op: 'update', fields: { n: { value: 1, at: future } } },
      ctx('c'),
    );
    expect(r.clamped).toEqual([
      { eventId: 'a', field: 'n', at: future, clampedTo: new Date(NOW).toISOString() },
    ]);
    expect(r.effective?.fields).toEqual({ n: { value: 1, at: new Date(NOW).toISOString() } });
  });

  it('converges: every order of the same effective changes gives the same view (seeded)', () => {
    const seed = Number(process.env.MERGE_SEED ?? Date.now() % 100000);
    const random = rng(seed);
    for (let round = 0; round < 200; round++) {
      // The server decides what takes effect; clients merge those effective changes in
      // whatever order they arrive. Both must end up with the server's view.
      const server = empty();
      const effective: WireChange[] = [];
      for (let i = 0; i < 12; i++) {
        const clientId = `c${Math.floor(random() * 3)}`;
        const at = t(Math.floor(random() * 10));
        const pick = random();
        const change: IncomingChange =
          pick < 0.2
            ? { eventId: `e${i}`, table: 'x', id: '1', op: 'insert', data: { a: i, b: i }, at }
            : pick < 0.35
              ? { eventId: `e${i}`, table: 'x', id: '1', op: 'delete', deletedAt: at }
              : {
                  eventId: `e${i}`,
                  table: 'x',
                  id: '1',
                  op: 'update',
                  fields: { [random() < 0.5 ? 'a' : 'b']: { value: i, at } },
                };
        const r = applyChange(server, change, ctx(clientId));
        if (r.effective) effective.push(r.effective);
      }
      const client = empty();
      const shuffled = [...effective].sort(() => random() - 0.5);
      for (const change of shuffled) mergeChange(client, change);
      expect({ seed, round, view: view(client) }).toEqual({ seed, round, view: view(server) });
    }
  });
});
