/**
 * A client that speaks mana-sync's protocol exactly as the seed's server does (seed 004,
 * services/mana-sync/internal/sync/handler.go), and nothing of the hub's own: it sends no
 * eventId, keeps one cursor per table starting at the epoch as an RFC 3339 time, reads
 * `serverChanges` from push and pull answers, and takes `table` and `syncedUntil` from each
 * stream event. It ignores `id:` lines. Everything goes to the base URL it is given (loopback
 * in the tests), with global fetch, as a browser client would.
 */

/** A change on the wire as mana-sync writes it: fields at top level, no eventId needed. */
export interface SeedChange {
  eventId?: string;
  table: string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  fields?: Record<string, { value: unknown; at: string }>;
  data?: Record<string, unknown>;
  deletedAt?: string;
  spaceId?: string;
  actor?: unknown;
  origin?: string;
  [other: string]: unknown;
}

export interface SeedStreamEvent {
  table: string;
  changes: SeedChange[];
  syncedUntil: string;
  hasMore: boolean;
}

/** mana-sync's cursor before a first sync (the seed's stream default). */
export const EPOCH = '1970-01-01T00:00:00.000Z';

export interface SeedClientOptions {
  baseUrl: string;
  appId: string;
  token: string;
  clientId: string;
  /** false: the client id goes in the body only (the seed reads it there without the header). */
  sendHeader?: boolean;
}

export class SeedClient {
  /** One cursor per table, as mana-sync clients keep them (`_syncMeta`). */
  readonly cursors = new Map<string, string>();

  constructor(private readonly o: SeedClientOptions) {}

  cursor(table: string): string {
    return this.cursors.get(table) ?? EPOCH;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Authorization: `Bearer ${this.o.token}`,
      ...(this.o.sendHeader === false ? {} : { 'X-Client-Id': this.o.clientId }),
      ...extra,
    };
  }

  /** POST /sync/{appId}: `{clientId, since, changes}`; the answer's syncedUntil moves every given table. */
  async push(
    changes: SeedChange[],
    options: { since?: string; tables?: string[]; schemaVersion?: number } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const tables = options.tables ?? [...new Set(changes.map((c) => c.table))];
    const since = options.since ?? this.oldestCursor(tables);
    const res = await fetch(`${this.o.baseUrl}/sync/${this.o.appId}`, {
      method: 'POST',
      headers: this.headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({
        clientId: this.o.clientId,
        since,
        ...(options.schemaVersion !== undefined ? { schemaVersion: options.schemaVersion } : {}),
        changes,
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.ok && typeof body.syncedUntil === 'string')
      for (const table of tables) this.cursors.set(table, body.syncedUntil);
    return { status: res.status, body };
  }

  /** GET /sync/{appId}/pull?collection&since, page after page while hasMore. */
  async pull(table: string, since = this.cursor(table)): Promise<SeedChange[]> {
    const all: SeedChange[] = [];
    let cursor = since;
    for (let page = 0; page < 1000; page++) {
      const res = await fetch(
        `${this.o.baseUrl}/sync/${this.o.appId}/pull?collection=${encodeURIComponent(table)}&since=${encodeURIComponent(cursor)}`,
        { headers: this.headers() },
      );
      if (!res.ok) throw new Error(`pull ${table}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as {
        serverChanges?: SeedChange[];
        syncedUntil?: string;
        hasMore?: boolean;
      };
      if (!Array.isArray(body.serverChanges))
        throw new Error(`pull ${table}: no serverChanges in ${JSON.stringify(body)}`);
      all.push(...body.serverChanges);
      if (body.syncedUntil) cursor = body.syncedUntil;
      if (!body.hasMore) break;
    }
    this.cursors.set(table, cursor);
    return all;
  }

  /**
   * GET /sync/{appId}/stream?collections&since. Events are parsed as the seed's web client
   * does (frames split on a blank line, `event: ` and `data: ` lines); each `changes` event
   * moves the cursor of its `table`.
   */
  async stream(options: { collections?: string[]; since?: string } = {}): Promise<SeedStream> {
    const query = new URLSearchParams();
    if (options.collections) query.set('collections', options.collections.join(','));
    query.set('since', options.since ?? this.oldestCursor(options.collections ?? []));
    const controller = new AbortController();
    const res = await fetch(`${this.o.baseUrl}/sync/${this.o.appId}/stream?${query}`, {
      headers: this.headers({ Accept: 'text/event-stream' }),
      signal: controller.signal,
    });
    const stream = new SeedStream(res.status, controller, this.cursors);
    if (res.ok && res.body) stream.read(res.body);
    else stream.body = await res.text();
    return stream;
  }

  /**
   * One `since` for several tables: their cursor when they share one, else the epoch (the
   * seed's web client takes the oldest by comparing strings, which only works for times).
   */
  private oldestCursor(tables: string[]): string {
    const cursors = new Set(tables.map((t) => this.cursor(t)));
    return cursors.size === 1 ? [...cursors][0] : EPOCH;
  }
}

export class SeedStream {
  readonly events: SeedStreamEvent[] = [];
  heartbeats = 0;
  /** A non-200 answer's body. */
  body = '';

  constructor(
    readonly status: number,
    private readonly controller: AbortController,
    private readonly cursors: Map<string, string>,
  ) {}

  get changes(): SeedChange[] {
    return this.events.flatMap((e) => e.changes);
  }

  close(): void {
    this.controller.abort();
  }

  /** Reads frames until the body ends or close(); errors of an aborted read are expected. */
  read(body: ReadableStream<Uint8Array>): void {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    const pump = async (): Promise<void> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          this.frame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    };
    pump().catch(() => undefined);
  }

  private frame(block: string): void {
    let event = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (event === 'heartbeat') this.heartbeats++;
    if (event !== 'changes' || !data) return;
    const parsed = JSON.parse(data) as SeedStreamEvent;
    this.events.push(parsed);
    if (parsed.syncedUntil && parsed.table) this.cursors.set(parsed.table, parsed.syncedUntil);
  }
}
