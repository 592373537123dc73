import { Agent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field; `message` when the frame has none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field of this frame, when it had one. */
  id?: string;
  /** Date.now() when the frame was parsed. */
  receivedAt: number;
}

export interface SseOptions {
  token?: string;
  lastEventId?: string;
  /** Sent as the `X-Client-Id` header. */
  clientId?: string;
  headers?: Record<string, string>;
  /** e.g. a keep-alive agent with enough sockets for many streams. */
  agent?: Agent;
  /** Called for every event as it is parsed (besides being collected in `events`). */
  onEvent?: (event: SseEvent) => void;
  /** Keep every event in `events` (default true; the bench turns it off). */
  collect?: boolean;
  /** Rejects the open when no response headers arrive in time (default 15 s). */
  timeoutMs?: number;
  /** Aborting it gives up on the open (or the stream) as a client that leaves would. */
  signal?: AbortSignal;
}

/** How the response body finished. */
export interface SseEnd {
  /** True when the server ended the body properly (chunked terminator / full length). */
  complete: boolean;
  /** A socket error or abort, when the body did not end properly. */
  error?: Error;
  /** True when we closed it ourselves with close(). */
  closedByClient: boolean;
}

export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body when the answer is not 200 (a problem+json, usually); '' for a stream. */
  body: string;
  events: SseEvent[];
  /** The last `id:` seen, what a browser would send back as `Last-Event-ID`. */
  lastEventId?: string;
  /** Resolves once the response body is over, however it ended. */
  ended: Promise<SseEnd>;
  isEnded(): boolean;
  close(): void;
  /** Stop reading: what the server sends piles up in the kernel buffers, then in the server. */
  pause(): void;
  resume(): void;
}

/** Parses SSE frames incrementally per the WHATWG event-stream rules. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private eventName = '';
  private id: string | undefined;
  private sawCr = false;
  lastEventId: string | undefined;

  constructor(private readonly dispatch: (event: SseEvent) => void) {}

  push(chunk: string): void {
    let text = chunk;
    // A `\r\n` split across chunks: the `\r` already ended the line.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      this.line(this.buffer.slice(start, i));
      if (ch === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        this.dispatch({
          event: this.eventName || 'message',
          data: this.data.join('\n'),
          id: this.id,
          receivedAt: Date.now(),
        });
      }
      this.data = [];
      this.eventName = '';
      this.id = undefined;
      return;
    }
    if (line.startsWith(':')) return; // comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventName = value;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.id = value;
          this.lastEventId = value;
        }
        break;
      default: // `retry` and unknown fields are ignored
    }
  }
}

/**
 * Opens `GET url` as an event stream. Resolves once the response headers are in: for a 200
 * the events are collected as they arrive; for any other status `body` holds the answer.
 */
export function openSse(url: string, options: SseOptions = {}): Promise<SseStream> {
  const headers: Record<string, string> = {
    Accept: 'text/event-stream',
    ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    ...(options.lastEventId !== undefined ? { 'Last-Event-ID': options.lastEventId } : {}),
    ...(options.clientId ? { 'X-Client-Id': options.clientId } : {}),
    ...options.headers,
  };
  const collect = options.collect ?? true;
  return new Promise<SseStream>((resolve, reject) => {
    let closedByClient = false;
    let done = false;
    let settleEnd!: (end: SseEnd) => void;
    const ended = new Promise<SseEnd>((r) => (settleEnd = r));
    const finish = (end: Omit<SseEnd, 'closedByClient'>) => {
      if (done) return;
      done = true;
      settleEnd({ ...end, closedByClient });
    };

    // Default: a connection of its own, not kept alive in the global pool after the stream.
    const req = httpRequest(url, {
      method: 'GET',
      headers,
      agent: options.agent ?? false,
      signal: options.signal,
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no response headers from ${url} in ${options.timeoutMs ?? 15000} ms`));
    }, options.timeoutMs ?? 15000);

    req.on('error', (err) => {
      clearTimeout(timer);
      finish({ complete: false, error: err });
      reject(err);
    });

    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        ended,
        isEnded: () => done,
        close: () => {
          if (done) return;
          closedByClient = true;
          finish({ complete: res.complete });
          // Destroying the request frees the socket instead of returning a half-read
          // response to the keep-alive pool.
          req.destroy();
          res.destroy();
        },
        pause: () => res.pause(),
        resume: () => res.resume(),
      };
      res.setEncoding('utf8');
      if (stream.status === 200) {
        const parser = new SseParser((event) => {
          if (event.id !== undefined) stream.lastEventId = event.id;
          if (collect) stream.events.push(event);
          options.onEvent?.(event);
        });
        res.on('data', (chunk: string) => parser.push(chunk));
      } else {
        res.on('data', (chunk: string) => (stream.body += chunk));
      }
      res.on('end', () => finish({ complete: res.complete }));
      res.on('aborted', () => finish({ complete: false, error: new Error('response aborted') }));
      res.on('error', (err) => finish({ complete: false, error: err }));
      res.on('close', () =>
        finish({
          complete: res.complete,
          error: res.complete ? undefined : new Error('connection closed before the body ended'),
        }),
      );
      resolve(stream);
    });
    req.end();
  });
}

/** Parsed `data` of every `changes` event. */
export function changesEvents(
  stream: Pick<SseStream, 'events'>,
): { id?: string; changes: { eventId: string; [k: string]: unknown }[]; syncedUntil: string }[] {
  return stream.events
    .filter((e) => e.event === 'changes')
    .map((e) => ({ id: e.id, ...(JSON.parse(e.data) as { changes: []; syncedUntil: string }) }));
}

/** Every change received on the stream, in arrival order. */
export function receivedChanges(
  stream: Pick<SseStream, 'events'>,
): { eventId: string; [k: string]: unknown }[] {
  return changesEvents(stream).flatMap((e) => e.changes);
}

/** The eventIds received on the stream, in arrival order. */
export function receivedEventIds(stream: Pick<SseStream, 'events'>): string[] {
  return receivedChanges(stream).map((c) => c.eventId);
}
