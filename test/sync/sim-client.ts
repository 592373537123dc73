import request from 'supertest';
import { bearer, TestApp } from '../support/test-app.js';
import type { PushAnswer, WireChange } from './helpers.js';

/**
 * A simulated offline-first client of the sync protocol (docs/sync-protocol.md), for e2e tests.
 *
 * It keeps a local store merged with EXACTLY the documented rule ("Merging: field-level
 * last-write-wins"), queues local edits while offline, pushes them, applies `serverChanges`,
 * keeps its cursor and pulls, and can compare what it shows with the server snapshot.
 *
 * Design decisions (all derived from the contract, never from the server's internals):
 *
 * - Every field keeps the set of values the client heard of, each with its stamp
 *   `(at instant, clientId, eventId)`; the shown value is the greatest stamp. Keeping the
 *   losers costs nothing and lets the client take back one of its own values the server
 *   refused (see `conflicts` below). The winner does not depend on arrival order.
 * - `deletedAt` and `insertedAt` are maxima; a record is alive iff it has no `deletedAt` or
 *   `insertedAt > deletedAt`; a live record shows the fields whose winning `at` is after
 *   `deletedAt` (a winner at or before it means every value of that field is at or before it).
 * - Local edits are merged into the store at once with this client's clientId and the eventId
 *   it sends. The push answer's `conflicts` say what did not take effect: `older` values are
 *   dominated by a stored winner the client receives anyway (they lose locally too), but a
 *   field refused as `deleted` (an update of a record that was dead on the server) was not
 *   stored at all, so the client removes that value again. Otherwise an insert reviving the
 *   record with an `at` between the delete and the refused update would show the refused value
 *   here only. (An insert refused as `deleted`, `field: null`, is not newer than the delete:
 *   its values stay hidden here forever, as `deletedAt` only grows.)
 * - Clock skew and clamping: the server clamps an `at` more than 5 min ahead of its clock. The
 *   `clamped` entries name a `field`, but the doc does not say how an insert's `at` or a
 *   delete's `deletedAt` is named there, so a client whose push was clamped does not patch its
 *   store: it reloads its state from the snapshot (the documented reset path: every page, then
 *   pull from the first page's `syncedUntil`). Tests keep ordinary clients' skews under 4 min
 *   (never clamped; the client records clamps so a test can assert that) and use one client
 *   with a clock hours ahead, which is clamped on every push and resets after it.
 * - Cursors are opaque. The push cursor and one cursor per pulled table are kept apart: a pull
 *   cursor covers one table only, so it is used for the push `since` only when the client syncs
 *   one table. Changes delivered again (an older cursor, a snapshot) merge harmlessly.
 * - Spaces: a `joined` hint (push or pull answer) loads `snapshot?spaceId=` of every table. The
 *   doc sends `removed` hints on streams only (a non-member's pulls and snapshots simply hold
 *   none of the space's records, which does not tell a client to drop what it has), so before each sync the client also reads
 *   `GET /sync/:appId/spaces` and drops the records (and queued edits) of spaces it is no longer
 *   a member of; a `removed` hint in a push or pull answer is honoured too.
 */

export type Rng = () => number;

/** Small seeded PRNG (mulberry32): the same seed replays the same scenario. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export const randomInt = (rng: Rng, min: number, max: number): number =>
  min + Math.floor(rng() * (max - min + 1));

export const pick = <T>(rng: Rng, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)];

export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A v4-shaped UUID drawn from the seeded PRNG. */
export function seededUuid(rng: Rng): string {
  const h = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
  h[12] = '4';
  h[16] = '89ab'[Math.floor(rng() * 4)];
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * ISO 8601 for an instant, written with a UTC offset (`+05:30`) when asked: the same instant
 * as `...Z` but a different string, so a server comparing `at` as strings gets it wrong.
 */
export function isoAt(ms: number, offsetMinutes = 0): string {
  if (offsetMinutes === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

export function instant(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 instant: ${JSON.stringify(text)}`);
  return ms;
}

export interface Stamp {
  at: number;
  clientId: string;
  eventId: string;
}

/** The documented order: `at` as an instant, then clientId, then eventId, as strings. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return 0;
}

export interface FieldValue extends Stamp {
  value: unknown;
}

export interface LocalRecord {
  table: string;
  id: string;
  spaceId: string | null;
  /** Every value heard of per field; the shown one is the greatest stamp. */
  values: Map<string, FieldValue[]>;
  insertedAt: number | null;
  deletedAt: number | null;
}

/** What a user sees: alive records only, each shown field with its winning stamp. */
export type VisibleState = Record<
  string,
  Record<string, { spaceId: string | null; fields: Record<string, FieldValue> }>
>;

export interface SnapshotRecord {
  table: string;
  id: string;
  spaceId: string | null;
  ownerId: string;
  fields: Record<string, { value: unknown; at: string; clientId: string; eventId: string }>;
  insertedAt: string | null;
  deletedAt: string | null;
  deleted: boolean;
}

export interface Conflict {
  eventId: string;
  table: string;
  id: string;
  /** null for a whole insert or delete. */
  field: string | null;
  reason: string;
  value?: unknown;
  at?: string;
}

export interface SimClientOptions {
  t: TestApp;
  appId: string;
  userId: string;
  token: string;
  clientId: string;
  tables: string[];
  /** Added to the real clock for every `at` this client writes. */
  skewMs?: number;
  /** UTC offset the client writes its `at`s with (same instant, different string). */
  atOffsetMinutes?: number;
  /** Page size for pull and snapshot, to exercise paging. */
  pageLimit?: number;
  /** Most changes in one push; larger outboxes go in several pushes. */
  maxPushChanges?: number;
  rng?: Rng;
}

export type RetryMode = 'lost-response' | 'resend-acked';

export interface RetryReport {
  mode: RetryMode;
  eventIds: string[];
  /** lost-response: the retry answered byte for byte what the first push answered. */
  sameAnswer?: boolean;
  firstStatus: number;
  retryStatus: number;
}

const key = (table: string, id: string) => `${table}\u0000${id}`;

export class SimClient {
  readonly t: TestApp;
  readonly appId: string;
  readonly userId: string;
  readonly token: string;
  readonly clientId: string;
  readonly tables: string[];
  skewMs: number;
  atOffsetMinutes: number;
  pageLimit: number;
  maxPushChanges: number;
  readonly rng: Rng;

  online = true;
  store = new Map<string, LocalRecord>();
  /** Local edits not yet acknowledged by the server, already merged into the store. */
  outbox: WireChange[] = [];
  /** The last changes the server acknowledged (for `resend-acked` retries). */
  lastAcked: WireChange[] = [];
  pushCursor: string | undefined;
  tableCursors = new Map<string, string | undefined>();
  /** Spaces this client believes it may write to. */
  memberOf = new Set<string>();

  readonly conflicts: Conflict[] = [];
  readonly clamped: Record<string, unknown>[] = [];
  readonly resyncHints: { spaceId: string; reason: string; via: string }[] = [];
  readonly retries: RetryReport[] = [];
  readonly pushedEventIds: string[] = [];
  resets = 0;
  pushes = 0;

  constructor(o: SimClientOptions) {
    this.t = o.t;
    this.appId = o.appId;
    this.userId = o.userId;
    this.token = o.token;
    this.clientId = o.clientId;
    this.tables = o.tables;
    this.skewMs = o.skewMs ?? 0;
    this.atOffsetMinutes = o.atOffsetMinutes ?? 0;
    this.pageLimit = o.pageLimit ?? 1000;
    this.maxPushChanges = o.maxPushChanges ?? 2000;
    this.rng = o.rng ?? Math.random;
    for (const table of this.tables) this.tableCursors.set(table, undefined);
  }

  /** This client's clock (possibly skewed). */
  now(): number {
    return Date.now() + this.skewMs;
  }

  private nextEventId(): string {
    return seededUuid(this.rng);
  }

  // ---------------------------------------------------------------- the merge rule

  private recordFor(table: string, id: string, spaceId: string | null): LocalRecord {
    let rec = this.store.get(key(table, id));
    if (!rec) {
      rec = { table, id, spaceId, values: new Map(), insertedAt: null, deletedAt: null };
      this.store.set(key(table, id), rec);
    }
    if (rec.spaceId === null && spaceId) rec.spaceId = spaceId;
    return rec;
  }

  private addValue(rec: LocalRecord, field: string, v: FieldValue): void {
    const list = rec.values.get(field) ?? [];
    if (!list.some((o) => o.eventId === v.eventId && o.clientId === v.clientId)) list.push(v);
    rec.values.set(field, list);
  }

  /** Merges one change (from the server, or this client's own edit) into the store. */
  applyChange(c: WireChange, clientId = c.clientId): void {
    if (!clientId) throw new Error(`change ${c.eventId} has no clientId`);
    const rec = this.recordFor(c.table, c.id, c.spaceId ?? null);
    if (c.op === 'insert') {
      if (!c.at) throw new Error(`insert ${c.eventId} has no at`);
      const at = instant(c.at);
      for (const [field, value] of Object.entries(c.data ?? {}))
        this.addValue(rec, field, { value, at, clientId, eventId: c.eventId });
      rec.insertedAt = Math.max(rec.insertedAt ?? -Infinity, at);
    } else if (c.op === 'update') {
      for (const [field, fv] of Object.entries(c.fields ?? {}))
        this.addValue(rec, field, {
          value: fv.value,
          at: instant(fv.at),
          clientId,
          eventId: c.eventId,
        });
    } else if (c.op === 'delete') {
      if (!c.deletedAt) throw new Error(`delete ${c.eventId} has no deletedAt`);
      rec.deletedAt = Math.max(rec.deletedAt ?? -Infinity, instant(c.deletedAt));
    } else {
      throw new Error(`unknown op in ${JSON.stringify(c)}`);
    }
  }

  /** Merges a snapshot record (winners only, with their stamps) into the store. */
  applySnapshotRecord(r: SnapshotRecord): void {
    const rec = this.recordFor(r.table, r.id, r.spaceId ?? null);
    for (const [field, f] of Object.entries(r.fields ?? {}))
      this.addValue(rec, field, {
        value: f.value,
        at: instant(f.at),
        clientId: f.clientId,
        eventId: f.eventId,
      });
    if (r.insertedAt) rec.insertedAt = Math.max(rec.insertedAt ?? -Infinity, instant(r.insertedAt));
    if (r.deletedAt) rec.deletedAt = Math.max(rec.deletedAt ?? -Infinity, instant(r.deletedAt));
  }

  static isAlive(rec: Pick<LocalRecord, 'insertedAt' | 'deletedAt'>): boolean {
    return rec.deletedAt === null || (rec.insertedAt !== null && rec.insertedAt > rec.deletedAt);
  }

  /** The winning value of every shown field of a record. */
  static shownFields(rec: LocalRecord): Record<string, FieldValue> {
    const out: Record<string, FieldValue> = {};
    for (const [field, list] of rec.values) {
      if (!list.length) continue;
      const winner = list.reduce((a, b) => (compareStamps(a, b) >= 0 ? a : b));
      if (rec.deletedAt !== null && winner.at <= rec.deletedAt) continue;
      out[field] = winner;
    }
    return out;
  }

  get(table: string, id: string): LocalRecord | undefined {
    return this.store.get(key(table, id));
  }

  /** The shown value of a field, or undefined (no such record, dead, or field hidden). */
  valueOf(table: string, id: string, field: string): unknown {
    const rec = this.get(table, id);
    if (!rec || !SimClient.isAlive(rec)) return undefined;
    return SimClient.shownFields(rec)[field]?.value;
  }

  visibleState(): VisibleState {
    const out: VisibleState = Object.fromEntries(this.tables.map((t) => [t, {}]));
    for (const rec of this.store.values()) {
      if (!SimClient.isAlive(rec)) continue;
      (out[rec.table] ??= {})[rec.id] = {
        spaceId: rec.spaceId,
        fields: SimClient.shownFields(rec),
      };
    }
    return out;
  }

  /** Records this client may write: its user's private ones and those of its spaces. */
  writableRecords(): LocalRecord[] {
    return [...this.store.values()]
      .filter((r) => r.spaceId === null || this.memberOf.has(r.spaceId))
      .sort((a, b) => (key(a.table, a.id) < key(b.table, b.id) ? -1 : 1));
  }

  // ---------------------------------------------------------------- local edits

  private queue(change: WireChange): WireChange {
    this.applyChange(change, this.clientId);
    this.outbox.push(change);
    return change;
  }

  insert(
    table: string,
    id: string,
    data: Record<string, unknown>,
    opts: { spaceId?: string | null; at?: number } = {},
  ): WireChange {
    const spaceId = opts.spaceId ?? this.get(table, id)?.spaceId ?? null;
    return this.queue({
      eventId: this.nextEventId(),
      table,
      id,
      op: 'insert',
      data,
      at: isoAt(opts.at ?? this.now(), this.atOffsetMinutes),
      ...(spaceId ? { spaceId } : {}),
    });
  }

  update(
    table: string,
    id: string,
    values: Record<string, unknown>,
    opts: { at?: number } = {},
  ): WireChange {
    const spaceId = this.get(table, id)?.spaceId ?? null;
    const at = isoAt(opts.at ?? this.now(), this.atOffsetMinutes);
    return this.queue({
      eventId: this.nextEventId(),
      table,
      id,
      op: 'update',
      fields: Object.fromEntries(Object.entries(values).map(([f, value]) => [f, { value, at }])),
      ...(spaceId ? { spaceId } : {}),
    });
  }

  delete(table: string, id: string, opts: { at?: number } = {}): WireChange {
    const spaceId = this.get(table, id)?.spaceId ?? null;
    return this.queue({
      eventId: this.nextEventId(),
      table,
      id,
      op: 'delete',
      deletedAt: isoAt(opts.at ?? this.now(), this.atOffsetMinutes),
      ...(spaceId ? { spaceId } : {}),
    });
  }

  // ---------------------------------------------------------------- talking to the server

  private async getJson(path: string, query: Record<string, string | number | undefined>) {
    const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
    const res = await request(this.t.url)
      .get(path)
      .query(q)
      .set(bearer(this.token))
      .set('X-Client-Id', this.clientId);
    if (res.status !== 200)
      throw new Error(
        `${this.clientId}: GET ${path}?${new URLSearchParams(q as Record<string, string>)} answered ${res.status} ${res.text}`,
      );
    return res.body;
  }

  /** A full sync: membership check, then push the outbox (or pull when there is nothing). */
  async sync(opts: { retry?: RetryMode } = {}): Promise<void> {
    await this.checkMembership();
    if (this.outbox.length) await this.pushOutbox(opts);
    else await this.pull();
  }

  /** Drops the records and queued edits of spaces the server no longer lists for this user. */
  async checkMembership(): Promise<void> {
    const body = await this.getJson(`/sync/${this.appId}/spaces`, {});
    const list: Record<string, unknown>[] = Array.isArray(body) ? body : (body.data ?? []);
    const ids = new Set(list.map((s) => String(s.id ?? s.spaceId)));
    for (const spaceId of [...this.memberOf]) if (!ids.has(spaceId)) this.dropSpace(spaceId);
    for (const rec of this.store.values())
      if (rec.spaceId && !ids.has(rec.spaceId)) this.dropSpace(rec.spaceId);
  }

  dropSpace(spaceId: string): void {
    this.memberOf.delete(spaceId);
    for (const [k, rec] of this.store) if (rec.spaceId === spaceId) this.store.delete(k);
    this.outbox = this.outbox.filter((c) => c.spaceId !== spaceId);
    this.lastAcked = this.lastAcked.filter((c) => c.spaceId !== spaceId);
  }

  private async post(body: Record<string, unknown>) {
    this.pushes++;
    return request(this.t.url).post(`/sync/${this.appId}`).set(bearer(this.token)).send(body);
  }

  /**
   * Pushes every queued edit. `lost-response`: the first answer is thrown away (as if the
   * connection dropped) and the identical changeset is sent again; the doc promises the first
   * answer byte for byte. `resend-acked`: the previously acknowledged changes are sent again
   * together with the new ones (a client that lost track of its ack); the server must skip them.
   */
  async pushOutbox(opts: { retry?: RetryMode } = {}): Promise<void> {
    while (this.outbox.length) {
      const batch = this.outbox.slice(0, this.maxPushChanges);
      const resend =
        opts.retry === 'resend-acked' &&
        this.lastAcked.length > 0 &&
        this.lastAcked.every((c) => !c.spaceId || this.memberOf.has(c.spaceId))
          ? this.lastAcked
          : [];
      const body: Record<string, unknown> = {
        clientId: this.clientId,
        ...(this.pushCursor !== undefined ? { since: this.pushCursor } : {}),
        changes: [...resend, ...batch],
      };
      let res = await this.post(body);
      if (opts.retry === 'lost-response') {
        const first = res;
        res = await this.post(body);
        this.retries.push({
          mode: 'lost-response',
          eventIds: batch.map((c) => c.eventId),
          sameAnswer: first.text === res.text,
          firstStatus: first.status,
          retryStatus: res.status,
        });
      } else if (resend.length) {
        this.retries.push({
          mode: 'resend-acked',
          eventIds: resend.map((c) => c.eventId),
          firstStatus: 200,
          retryStatus: res.status,
        });
      }
      if (res.status !== 200)
        throw new Error(
          `${this.clientId}: push of ${batch.length} changes answered ${res.status} ${res.text.slice(0, 2000)}`,
        );
      this.outbox = this.outbox.slice(batch.length);
      this.lastAcked = batch;
      this.pushedEventIds.push(...batch.map((c) => c.eventId));
      await this.applyPushAnswer(res.body as PushAnswer);
    }
  }

  async applyPushAnswer(answer: PushAnswer): Promise<void> {
    for (const c of answer.conflicts as unknown as Conflict[]) {
      this.conflicts.push(c);
      // Not stored by the server: take this client's value back (see the header comment).
      if (c.reason === 'deleted' && c.field !== null) {
        const rec = this.get(c.table, c.id);
        const list = rec?.values.get(c.field);
        if (rec && list)
          rec.values.set(
            c.field,
            list.filter((v) => !(v.eventId === c.eventId && v.clientId === this.clientId)),
          );
      }
    }
    this.clamped.push(...answer.clamped);
    for (const change of answer.serverChanges) this.applyChange(change);
    this.pushCursor = answer.syncedUntil;
    for (const table of this.tables) this.tableCursors.set(table, answer.syncedUntil);
    await this.handleResync(answer.resync ?? [], 'push');
    if (answer.hasMore) await this.pull();
    if (answer.clamped.length) await this.resetFromSnapshot();
  }

  private async handleResync(hints: { spaceId: string; reason: string }[], via: string) {
    for (const hint of hints) {
      this.resyncHints.push({ ...hint, via });
      if (hint.reason === 'joined') {
        this.memberOf.add(hint.spaceId);
        await this.loadSpace(hint.spaceId);
      } else if (hint.reason === 'removed') {
        this.dropSpace(hint.spaceId);
      }
    }
  }

  /** Pulls every table from its cursor until the server has nothing more. */
  async pull(): Promise<number> {
    let received = 0;
    for (const table of this.tables) {
      for (;;) {
        const body = (await this.getJson(`/sync/${this.appId}/pull`, {
          collection: table,
          since: this.tableCursors.get(table),
          limit: this.pageLimit,
        })) as {
          changes: WireChange[];
          hasMore: boolean;
          syncedUntil: string;
          resync?: { spaceId: string; reason: string }[];
        };
        for (const change of body.changes) this.applyChange(change);
        received += body.changes.length;
        this.tableCursors.set(table, body.syncedUntil);
        await this.handleResync(body.resync ?? [], 'pull');
        if (!body.hasMore) break;
      }
    }
    if (this.tables.length === 1) this.pushCursor = this.tableCursors.get(this.tables[0]);
    return received;
  }

  /** Every record of `table` the server shows this user (optionally one space), all pages. */
  async snapshot(
    table: string,
    spaceId?: string,
  ): Promise<{ records: SnapshotRecord[]; syncedUntil: string }> {
    const records: SnapshotRecord[] = [];
    let first: string | undefined;
    let next: string | undefined;
    for (let page = 0; ; page++) {
      const body = await this.getJson(`/sync/${this.appId}/snapshot`, {
        collection: table,
        since: next,
        spaceId,
        limit: this.pageLimit,
      });
      if (page === 0) first = body.syncedUntil;
      records.push(...body.records);
      if (!body.hasMore) break;
      if (!body.next) throw new Error(`snapshot page ${page} has hasMore but no next`);
      next = body.next;
      if (page > 10_000) throw new Error('snapshot does not end');
    }
    return { records, syncedUntil: first as string };
  }

  /** The `joined` path: merge the space's existing records (cursors stay where they are). */
  async loadSpace(spaceId: string): Promise<void> {
    for (const table of this.tables)
      for (const r of (await this.snapshot(table, spaceId)).records) this.applySnapshotRecord(r);
  }

  /**
   * The reset path: rebuild the store from the snapshot and continue from the `syncedUntil` of
   * the first page read (changes made meanwhile come again and merge harmlessly). Queued edits
   * are merged again on top.
   */
  async resetFromSnapshot(): Promise<void> {
    this.resets++;
    const old = this.store;
    this.store = new Map();
    let cursor: string | undefined;
    try {
      for (const table of this.tables) {
        const snap = await this.snapshot(table);
        cursor ??= snap.syncedUntil;
        for (const r of snap.records) this.applySnapshotRecord(r);
      }
    } catch (err) {
      this.store = old;
      throw err;
    }
    for (const change of this.outbox) this.applyChange(change, this.clientId);
    this.pushCursor = cursor;
    for (const table of this.tables) this.tableCursors.set(table, cursor);
    await this.pull();
  }

  /** What the server shows this client's user, in the same shape as `visibleState()`. */
  async serverState(): Promise<VisibleState> {
    const out: VisibleState = {};
    for (const table of this.tables) {
      out[table] = {};
      for (const r of (await this.snapshot(table)).records) {
        if (r.deleted) continue;
        const fields: Record<string, FieldValue> = {};
        for (const [field, f] of Object.entries(r.fields ?? {}))
          fields[field] = {
            value: f.value,
            at: instant(f.at),
            clientId: f.clientId,
            eventId: f.eventId,
          };
        out[table][r.id] = { spaceId: r.spaceId ?? null, fields };
      }
    }
    return out;
  }
}

/** Human-readable differences between two visible states (first `limit` of them). */
export function diffStates(
  mine: VisibleState,
  server: VisibleState,
  limit = 15,
): { count: number; sample: string[] } {
  const sample: string[] = [];
  let count = 0;
  const note = (s: string) => {
    count++;
    if (sample.length < limit) sample.push(s);
  };
  const fmt = (f: FieldValue | undefined) =>
    f
      ? `${JSON.stringify(f.value)} @${new Date(f.at).toISOString()} ${f.clientId} ${f.eventId}`
      : 'absent';
  for (const table of new Set([...Object.keys(mine), ...Object.keys(server)])) {
    const a = mine[table] ?? {};
    const b = server[table] ?? {};
    for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!a[id]) {
        note(`${table}/${id}: alive on the server, missing or dead locally`);
        continue;
      }
      if (!b[id]) {
        note(`${table}/${id}: alive locally, missing or dead on the server`);
        continue;
      }
      if (a[id].spaceId !== b[id].spaceId)
        note(`${table}/${id}: spaceId local ${a[id].spaceId} server ${b[id].spaceId}`);
      const fa = a[id].fields;
      const fb = b[id].fields;
      for (const field of new Set([...Object.keys(fa), ...Object.keys(fb)])) {
        const x = fa[field];
        const y = fb[field];
        if (
          !x ||
          !y ||
          JSON.stringify(x.value) !== JSON.stringify(y.value) ||
          compareStamps(x, y) !== 0
        )
          note(`${table}/${id}.${field}: local ${fmt(x)} | server ${fmt(y)}`);
      }
    }
  }
  return { count, sample };
}
