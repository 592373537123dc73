import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  JobHandler,
  type Job,
  type JobRunner,
  done,
  fail,
  type JobOutcome,
  retry,
} from '../../jobs/index.js';
import { AccountRepository } from '../accounts/account.repository.js';
import { CalDavSessions } from '../accounts/caldav-sessions.js';
import { CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { ObjectWriter } from './object-writer.js';
import { CLEANUP_QUEUE, type CleanupPayload, type ObjectsCleanup } from './cleanup.queue.js';

/**
 * `calendar.cleanup`: after a binding is deleted, removes the objects it had written (with
 * If-Match, so an object someone edited meanwhile is left alone). Runs as a job because the
 * DELETE request of the binding must not wait on the CalDAV server. Keyed by user with
 * `perKey: 1`: an account removal queued by a disconnect runs only once every earlier cleanup
 * of that user has finished (or failed for good), so none of them loses its credentials.
 */
@Injectable()
@JobHandler({ queue: CLEANUP_QUEUE, perKey: 1, maxInFlight: 2, timeoutMs: 10 * 60_000 })
export class CalendarCleanupJob implements JobRunner<CleanupPayload> {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: CalDavSessions,
    private readonly accounts: AccountRepository,
  ) {}

  async run(job: Job<CleanupPayload>): Promise<JobOutcome> {
    const p = job.payload;
    if ('removeAccount' in p)
      return done(
        (await this.accounts.removeDisconnected(this.db.manager, p.userId))
          ? 'account removed'
          : 'account already gone',
      );
    return this.removeObjects(job as Job<ObjectsCleanup>);
  }

  private async removeObjects(job: Job<ObjectsCleanup>): Promise<JobOutcome> {
    const account = await this.accounts.getForCleanup(this.db.manager, job.payload.userId);
    if (!account) return done('account gone');
    const client = this.sessions.forAccount(account, job.signal);
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
      if (err instanceof CalDavError && !serverUnavailable(err)) return fail(err.message);
      return retry(
        (err as Error).message,
        err instanceof CalDavError ? err.retryAfterMs : undefined,
      );
    }
    return done(`deleted ${deleted}, kept ${kept} edited on the server`);
  }
}
