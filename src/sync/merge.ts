/**
 * Field-level last-write-wins, the rule the server and every client apply (see
 * docs/sync-protocol.md, "Merging"). The state is a join of max-registers (each field by
 * (at, clientId, eventId), insertedAt, deletedAt), so merging the same set of changes in any
 * order gives the same state: that is what makes clients converge.
 */
export interface FieldState {
  value: unknown;
  at: string;
  clientId: string;
  eventId: string;
}

export interface RecordState {
  ownerId: string;
  spaceId: string | null;
  fields: Record<string, FieldState>;
  insertedAt: string | null;
  deletedAt: string | null;
}

export type Op = 'insert' | 'update' | 'delete';

/** Who made a change, opaque to the server. */
export type Actor = string | Record<string, unknown>;

export interface IncomingChange {
  eventId: string;
  table: string;
  id: string;
  op: Op;
  data?: Record<string, unknown>;
  at?: string;
  fields?: Record<string, { value: unknown; at: string }>;
  deletedAt?: string;
  spaceId?: string | null;
  schemaVersion?: number;
  /** A string, or (mana-sync clients) an object: passed through as given. */
  actor?: Actor | null;
  origin?: string | null;
}

/** A change as stored in the log and sent to clients: only what took effect. */
export interface WireChange {
  eventId: string;
  table: string;
  id: string;
  op: Op;
  data?: Record<string, unknown>;
  at?: string;
  fields?: Record<string, { value: unknown; at: string }>;
  deletedAt?: string;
  spaceId: string | null;
  schemaVersion: number;
  /** Present only when the change had one: mana-sync clients refuse a null actor or origin. */
  actor?: Actor;
  origin?: string;
  clientId: string;
  userId: string;
}

export interface Conflict {
  eventId: string;
  table: string;
  id: string;
  field: string | null;
  reason: 'older' | 'deleted';
  /** The value that won (absent when the record is deleted). */
  value?: unknown;
  at?: string;
}

export interface Clamp {
  eventId: string;
  field: string | null;
  at: string;
  clampedTo: string;
}

export interface MergeContext {
  userId: string;
  clientId: string;
  schemaVersion: number;
  nowMs: number;
  maxSkewMs: number;
}

export interface MergeResult {
  effective: WireChange | null;
  conflicts: Conflict[];
  clamped: Clamp[];
}

const ms = (iso: string) => Date.parse(iso);

/** (at, clientId, eventId): instants first, then the two ids as strings, for a total order. */
export function compareWrites(
  a: Pick<FieldState, 'at' | 'clientId' | 'eventId'>,
  b: Pick<FieldState, 'at' | 'clientId' | 'eventId'>,
): number {
  const d = ms(a.at) - ms(b.at);
  if (d !== 0) return d < 0 ? -1 : 1;
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return 0;
}

export function isAlive(s: Pick<RecordState, 'insertedAt' | 'deletedAt'>): boolean {
  return !s.deletedAt || (s.insertedAt !== null && ms(s.insertedAt) > ms(s.deletedAt));
}

/** Fields written after the latest delete: the record's content as clients show it. */
export function visibleFields(s: RecordState): Record<string, FieldState> {
  if (!s.deletedAt) return s.fields;
  const cut = ms(s.deletedAt);
  return Object.fromEntries(Object.entries(s.fields).filter(([, f]) => ms(f.at) > cut));
}

/** Applies one change to `state` (mutated) and says what took effect. */
export function applyChange(
  state: RecordState,
  change: IncomingChange,
  ctx: MergeContext,
): MergeResult {
  const clamped: Clamp[] = [];
  const conflicts: Conflict[] = [];
  const clamp = (iso: string, field: string | null): string => {
    const at = new Date(ms(iso)).toISOString();
    if (ms(iso) <= ctx.nowMs + ctx.maxSkewMs) return at;
    const to = new Date(ctx.nowMs).toISOString();
    clamped.push({ eventId: change.eventId, field, at, clampedTo: to });
    return to;
  };
  const conflict = (field: string | null, reason: Conflict['reason'], winner?: FieldState) =>
    conflicts.push({
      eventId: change.eventId,
      table: change.table,
      id: change.id,
      field,
      reason,
      ...(winner ? { value: winner.value, at: winner.at } : {}),
    });
  const write = (value: unknown, at: string): FieldState => ({
    value,
    at,
    clientId: ctx.clientId,
    eventId: change.eventId,
  });
  const wire = (rest: Partial<WireChange>): WireChange => ({
    eventId: change.eventId,
    table: change.table,
    id: change.id,
    op: change.op,
    ...rest,
    spaceId: state.spaceId,
    schemaVersion: change.schemaVersion ?? ctx.schemaVersion,
    ...(change.actor != null ? { actor: change.actor } : {}),
    ...(change.origin != null ? { origin: change.origin } : {}),
    clientId: ctx.clientId,
    userId: ctx.userId,
  });

  switch (change.op) {
    case 'insert': {
      const at = clamp(change.at ?? new Date(ctx.nowMs).toISOString(), null);
      if (state.deletedAt && ms(at) <= ms(state.deletedAt)) {
        conflict(null, 'deleted');
        return { effective: null, conflicts, clamped };
      }
      const revived = !state.insertedAt || ms(at) > ms(state.insertedAt);
      if (revived) state.insertedAt = at;
      const won: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(change.data ?? {})) {
        const candidate = write(value, at);
        const current = state.fields[name];
        if (!current || compareWrites(candidate, current) > 0) {
          state.fields[name] = candidate;
          won[name] = value;
        } else conflict(name, 'older', current);
      }
      const effective = revived || Object.keys(won).length > 0 ? wire({ data: won, at }) : null;
      return { effective, conflicts, clamped };
    }
    case 'update': {
      const alive = isAlive(state);
      const won: Record<string, { value: unknown; at: string }> = {};
      for (const [name, f] of Object.entries(change.fields ?? {})) {
        const at = clamp(f.at, name);
        if (!alive || (state.deletedAt && ms(at) <= ms(state.deletedAt))) {
          conflict(name, 'deleted');
          continue;
        }
        const candidate = write(f.value, at);
        const current = state.fields[name];
        if (!current || compareWrites(candidate, current) > 0) {
          state.fields[name] = candidate;
          won[name] = { value: f.value, at };
        } else conflict(name, 'older', current);
      }
      const effective = Object.keys(won).length > 0 ? wire({ fields: won }) : null;
      return { effective, conflicts, clamped };
    }
    case 'delete': {
      // Without a time (mana-sync allows that), the server's.
      const deletedAt = clamp(change.deletedAt ?? new Date(ctx.nowMs).toISOString(), null);
      if (state.deletedAt && ms(deletedAt) <= ms(state.deletedAt)) {
        conflicts.push({
          eventId: change.eventId,
          table: change.table,
          id: change.id,
          field: null,
          reason: 'older',
          at: state.deletedAt,
        });
        return { effective: null, conflicts, clamped };
      }
      state.deletedAt = deletedAt;
      return { effective: wire({ deletedAt }), conflicts, clamped };
    }
  }
}

/**
 * How a client merges a change it received (an effective change from the log): a pure join,
 * never a rejection, so the arrival order does not matter. The server's own decisions
 * (applyChange) already left out what did not take effect.
 */
export function mergeChange(state: RecordState, c: WireChange): void {
  const write = (value: unknown, at: string): FieldState => ({
    value,
    at,
    clientId: c.clientId,
    eventId: c.eventId,
  });
  const put = (name: string, candidate: FieldState) => {
    const current = state.fields[name];
    if (!current || compareWrites(candidate, current) > 0) state.fields[name] = candidate;
  };
  if (c.op === 'insert') {
    if (!state.insertedAt || ms(c.at!) > ms(state.insertedAt)) state.insertedAt = c.at!;
    for (const [name, value] of Object.entries(c.data ?? {})) put(name, write(value, c.at!));
  } else if (c.op === 'update') {
    for (const [name, f] of Object.entries(c.fields ?? {})) put(name, write(f.value, f.at));
  } else if (!state.deletedAt || ms(c.deletedAt!) > ms(state.deletedAt)) {
    state.deletedAt = c.deletedAt!;
  }
}
