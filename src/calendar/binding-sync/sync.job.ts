import { Injectable } from '@nestjs/common';
import {
  fromConfig,
  JobHandler,
  type Job,
  type JobRunner,
  done,
  type JobOutcome,
  retry,
} from '../../jobs/index.js';
import { BindingSyncService } from './binding-sync.service.js';
import { SYNC_QUEUE, type SyncPayload } from './sync.queue.js';

/**
 * `calendar.sync`: one run of one binding. Keyed by binding id with `perKey: 1`, so a binding
 * is never synced twice at once (across instances too): a run past its timeout is aborted
 * (job.signal reaches every CalDAV socket) and the next one starts only once it returned. A server that is down or busy is
 * retried (honouring Retry-After); other failures are in the sync log and the next run starts
 * afresh.
 */
@Injectable()
@JobHandler({
  queue: SYNC_QUEUE,
  perKey: 1,
  maxInFlight: 4,
  timeoutMs: fromConfig('calendar.syncTimeoutMs'),
  retry: fromConfig('calendar.syncRetrySchedule'),
})
export class CalendarSyncJob implements JobRunner<SyncPayload> {
  constructor(private readonly sync: BindingSyncService) {}

  async run(job: Job<SyncPayload>): Promise<JobOutcome> {
    const result = await this.sync.run(
      String(job.payload.bindingId),
      job.payload.confirmDeletes === true,
      job.signal,
    );
    if (!result) return done('binding gone or disabled');
    const s = result.stats;
    const summary = `created ${s.created}, updated ${s.updated}, deleted ${s.deleted}, unchanged ${s.unchanged}, remote changes ${s.remoteChanges}, errors ${s.errors}`;
    if (result.error && result.transient) return retry(result.error, result.retryAfterMs);
    return done(result.error ? `stopped: ${result.error}` : summary);
  }
}
