import type { Logger } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../database/connectivity-error.js';

const DEFAULT_EVERY_MS = 60_000;

/**
 * Logging for a background loop that retries on a timer: the first failure is logged, then at
 * most one line per `everyMs` with the number held back, and one line when it works again.
 * During a database outage that is a handful of lines a minute, not one per tick.
 */
export class FailureLog {
  private failing = 0;
  private heldBack = 0;
  private lastAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly everyMs = DEFAULT_EVERY_MS,
  ) {}

  failed(err: unknown): void {
    this.failing += 1;
    const now = Date.now();
    if (this.failing > 1 && now - this.lastAt < this.everyMs) {
      this.heldBack += 1;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    const more = this.heldBack ? ` (${this.heldBack} more since the last report)` : '';
    // An unreachable database is expected to pass; anything else deserves its stack.
    if (isDatabaseUnavailable(err))
      this.logger.warn(`${this.what} failed, database unavailable: ${message}${more}; retrying`);
    else this.logger.error({ err }, `${this.what} failed: ${message}${more}`);
    this.lastAt = now;
    this.heldBack = 0;
  }

  succeeded(): void {
    if (this.failing === 0) return;
    this.logger.log(`${this.what} works again after ${this.failing} failed tries`);
    this.failing = 0;
    this.heldBack = 0;
  }
}
