import type { Response } from 'express';
import { Position } from '../cursor.js';

/** Why the server ended a stream early; the `reason` of the final `dropped` event. */
export type DropReason = 'slow-client';

export interface StreamLimits {
  /** Unsent output (Node's buffer for this socket) past which a stream is dropped. */
  maxBufferBytes: number;
  /** How long an ended stream may take to flush before its socket is destroyed. */
  dropGraceMs: number;
}

/** One open SSE response and what it may see. */
export class StreamSession {
  /** Live delivery starts once the backlog has caught up with the shared tail. */
  attached = false;
  closed = false;
  /** Spaces the user belonged to at the last membership check (for resync hints only). */
  spaces = new Set<string>();
  /** The `id:` of the last `changes` event written: where a dropped client resumes. */
  lastEventId?: string;
  /** Set by the hub; called when the session stops taking events, with the reason of a drop. */
  onClose?: (reason?: DropReason) => void;
  private destroyTimer?: NodeJS.Timeout;

  constructor(
    readonly appId: string,
    readonly userId: string,
    /** null: every table. */
    readonly tables: Set<string> | null,
    readonly clientId: string | undefined,
    /** The change log the cursor belongs to: the stream ends if the log is replaced. */
    readonly log: string,
    public cursor: Position,
    private readonly res: Response,
    private readonly limits: StreamLimits,
  ) {
    // The response's close, not the request's: that one fires once the (empty) body is read.
    res.once('close', () => {
      clearTimeout(this.destroyTimer);
      this.stop();
    });
  }

  /** Written and not yet taken by the client (held in this process). */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  send(event: string, data: unknown, id?: string): void {
    this.sendJson(event, JSON.stringify(data), id);
  }

  /**
   * A live event (or a heartbeat). A client that lets more than `maxBufferBytes` pile up is
   * dropped: without the bound, every event for a client that stopped reading stays in this
   * process's memory. Checked before writing, so one large event never drops a client that
   * keeps up; the buffer stays under the bound plus one event. During the backlog the hub
   * paces pages with `drained()` instead.
   */
  sendJson(event: string, json: string, id?: string): void {
    if (this.closed) return;
    if (this.attached && this.res.writableLength > this.limits.maxBufferBytes)
      return this.drop('slow-client');
    this.write(event, json, id);
  }

  /** A backlog page: the hub waits for `drained()` before the next one. */
  sendBacklog(json: string, id: string): void {
    if (!this.closed) this.write('changes', json, id);
  }

  /** Resolves once the socket has taken what was written (or the response is gone). */
  drained(): Promise<void> {
    if (this.res.destroyed || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** A clean end (server shutdown): what is buffered is still sent, within the grace period. */
  end(): void {
    if (this.closed) return;
    this.stop();
    this.res.end();
    this.destroyAfterGrace();
  }

  /**
   * Ends a client that fell behind: one last event with the reason, then the socket goes. The
   * event sits behind what is already buffered, so only a client that catches up within the
   * grace period reads it; either way its last `id:` is where it resumes (the log is durable).
   */
  private drop(reason: DropReason): void {
    this.stop(reason);
    this.write(
      'dropped',
      JSON.stringify({
        reason,
        detail: `more than ${this.limits.maxBufferBytes} bytes of events were waiting for this client; reconnect with Last-Event-ID to resume`,
        lastEventId: this.lastEventId ?? null,
      }),
    );
    this.res.end();
    this.destroyAfterGrace();
  }

  private stop(reason?: DropReason): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.(reason);
  }

  private write(event: string, json: string, id?: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    // `json` must be one line of JSON (JSON.stringify output and our stored changes are).
    this.res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${json}\n\n`);
    if (id) this.lastEventId = id;
  }

  /** Ending a response does not free its buffer while the peer reads nothing: destroying does. */
  private destroyAfterGrace(): void {
    if (this.res.writableFinished || this.res.destroyed) return;
    this.destroyTimer = setTimeout(() => this.res.destroy(), this.limits.dropGraceMs);
    this.res.once('finish', () => clearTimeout(this.destroyTimer));
  }
}
