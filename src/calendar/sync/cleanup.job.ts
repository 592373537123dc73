import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobHandler, type Job, type JobRunner } from '../../jobs/job-handler.decorator.js';
import { done, fail, type JobOutcome, retry } from '../../jobs/job-outcome.js';
import { AccountRepository } from '../accounts/account.repository.js';
import { CalDavSessions } from '../accounts/caldav-sessions.js';
import { CalDavError } from '../caldav/caldav-client.js';
import { ObjectWriter } from './object-writer.js';
import { CLEANUP_QUEUE } from './sync-scheduler.js';

export interface CleanupPayload {
  userId: string;
  calendarUrl: string;
  objects: { href: string; etag: string | null }[];
}

/**
 * `calendar.cleanup`: after a binding is deleted, removes the objects it had written (with
 * If-Match, so an object someone edited meanwhile is left alone). Runs as a job because the
 * DELETE request of the binding must not wait on the CalDAV server.
 */
@Injectable()
@JobHandler({ queue: CLEANUP_QUEUE, maxInFlight: 2, timeoutMs: 10 * 60_000 })
export class CalendarCleanupJob implements JobRunner<CleanupPayload> {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: CalDavSessions,
    private readonly accounts: AccountRepository,
  ) {}

  async run(job: Job<CleanupPayload>): Promise<JobOutcome> {
    const account = await this.accounts.get(this.db.manager, job.payload.userId);
    if (!account) return done('account gone');
    const client = this.sessions.forAccount(account);
    const writer = new ObjectWriter(client, job.payload.calendarUrl);
    let deleted = 0;
    let kept = 0;
    try {
      for (const o of job.payload.objects) {
        if (job.signal.aborted) return retry('aborted');
        const res = await writer.delete(o.href, o.etag);
        if (res.kind === 'precondition') kept++;
        else deleted++;
      }
    } catch (err) {
      if (
        err instanceof CalDavError &&
        err.status !== null &&
        err.status < 500 &&
        err.status !== 429
      )
        return fail(err.message);
      return retry(
        (err as Error).message,
        err instanceof CalDavError ? err.retryAfterMs : undefined,
      );
    }
    return done(`deleted ${deleted}, kept ${kept} edited on the server`);
  }
}
