import type { Response } from 'express';
import { Position } from '../cursor.js';

/** Past this much unsent output a client is too slow: end its stream, it resumes later. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** One open SSE response and what it may see. */
export class StreamSession {
  /** Live delivery starts once the backlog has caught up with the shared tail. */
  attached = false;
  closed = false;
  /** Spaces the user belonged to at the last membership check (for resync hints only). */
  spaces = new Set<string>();

  constructor(
    readonly appId: string,
    readonly userId: string,
    readonly tables: Set<string>,
    readonly clientId: string | undefined,
    public cursor: Position,
    private readonly res: Response,
  ) {}

  send(event: string, data: unknown, id?: string): void {
    this.sendJson(event, JSON.stringify(data), id);
  }

  /** `json` must be one line of JSON (JSON.stringify output and our stored changes are). */
  sendJson(event: string, json: string, id?: string): void {
    if (this.closed) return;
    this.res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${json}\n\n`);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
  }
}
