import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountRepository } from '../accounts/account.repository.js';
import { CalDavSessions } from '../accounts/caldav-sessions.js';
import { AppointmentRepository } from '../appointments/appointment.repository.js';
import { BindingRepository, type RunBinding } from '../bindings/binding.repository.js';
import { CalDavClient, CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { BindingPullService } from './binding-pull.service.js';
import { BindingPushService } from './binding-push.service.js';
import { CalendarMetrics } from './calendar-metrics.js';
import { ObjectWriter } from './object-writer.js';
import { listChanges, type RemoteListing } from './pull.js';
import { BindingGone, bindingDeleted } from './sync-errors.js';
import { emptyStats, SyncLogRepository, type SyncStats } from './sync-log.repository.js';
import { TargetRepository } from './target.repository.js';

export interface RunResult {
  stats: SyncStats;
  /** Set when the run stopped early (server down, mass-delete guard). */
  error: string | null;
  retryAfterMs?: number;
  /** The server failed (network, 5xx, 429): worth retrying soon. */
  transient: boolean;
}

/**
 * One run of one binding: pull what changed on the server (applying the conflict policy to
 * our objects, binding-pull.service.ts), then push the hub's view (create, update, delete
 * stale, binding-push.service.ts). Runs only inside the `calendar.sync` job (one per binding
 * at a time); every outcome lands in one sync-log row.
 *
 * A run with nothing to do costs one request and no appointment or target read: when the
 * binding's scope version is the one its last clean run started from, the sync-collection
 * REPORT goes first, and an empty answer ends the run (docs/calendar.md).
 */
@Injectable()
export class BindingSyncService {
  private readonly logger = new Logger('CalendarSync');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: CalDavSessions,
    private readonly accounts: AccountRepository,
    private readonly bindings: BindingRepository,
    private readonly appointments: AppointmentRepository,
    private readonly targets: TargetRepository,
    private readonly log: SyncLogRepository,
    private readonly metrics: CalendarMetrics,
    private readonly pull: BindingPullService,
    private readonly push: BindingPushService,
  ) {}

  /**
   * Null when the binding is gone or disabled (nothing to do). `signal` (the job's) reaches
   * every CalDAV request of the run: at the job's timeout the run stops and its socket closes.
   */
  async run(
    bindingId: string,
    confirmDeletes: boolean,
    signal?: AbortSignal,
  ): Promise<RunResult | null> {
    const m = this.db.manager;
    const binding = await this.bindings.stored(m, bindingId);
    if (!binding || !binding.enabled) return null;
    const account = await this.accounts.get(m, binding.userId);
    if (!account) return null;
    const started = new Date();
    const stats = emptyStats();
    let error: string | null = null;
    let transient = false;
    let retryAfterMs: number | undefined;
    let token: string | null | undefined;
    try {
      const client = this.sessions.forAccount(account, signal);
      if (scopeUnchanged(binding, confirmDeletes)) {
        // Nothing in scope changed since the last clean run: only the server can have
        // changed. Ask it first; the rows are read only if it lists something.
        const listing = await listChanges(client, binding.calendarUrl, binding.syncToken);
        token = nothingListed(listing)
          ? listing.token
          : await this.full(client, binding, stats, confirmDeletes, Promise.resolve(listing));
      } else {
        const listing = listChanges(client, binding.calendarUrl, binding.syncToken);
        token = await this.full(client, binding, stats, confirmDeletes, listing);
      }
    } catch (err) {
      if (err instanceof BindingGone) {
        this.logger.log(`binding ${bindingId} was deleted during its run; run stopped`);
        return null;
      }
      error = err instanceof Error ? err.message : String(err);
      if (serverUnavailable(err)) {
        transient = true;
        retryAfterMs = (err as CalDavError).retryAfterMs;
      }
      this.metrics.countOverBudget(err);
      stats.errors++;
      stats.firstError ??= error;
      token = undefined;
    }
    const runError =
      error ?? (stats.errors > 0 ? `${stats.errors} object(s) failed: ${stats.firstError}` : null);
    const durationMs = Date.now() - started.getTime();
    this.metrics.record(stats, error !== null, durationMs);
    try {
      // Only a clean run vouches for its start's scope version; a bump since then (or an edit)
      // left scope_version above it, so the next run is full either way.
      const synced = runError === null ? binding.scopeVersion : null;
      await this.db.transaction(async (tx) => {
        await this.log.insert(tx, bindingId, binding.userId, started, durationMs, stats);
        await this.bindings.recordRun(tx, bindingId, new Date(), runError, token, synced);
      });
    } catch (err) {
      if (bindingDeleted(err)) return null; // deleted as the run ended: nothing to record on
      throw err;
    }
    if (error) this.logger.warn(`binding ${bindingId}: ${error}`);
    return { stats, error, transient, retryAfterMs };
  }

  /**
   * The full run: every target and every appointment in scope are read (while the server
   * answers `listing`), the pull applies the server's changes and the push the hub's view.
   * Returns the sync token to store.
   */
  private async full(
    client: CalDavClient,
    binding: RunBinding,
    stats: SyncStats,
    confirmDeletes: boolean,
    listingAnswer: Promise<RemoteListing>,
  ): Promise<string | null> {
    const m = this.db.manager;
    const writer = new ObjectWriter(client, binding.calendarUrl);
    // The server's answer takes longest; our two reads run meanwhile. Reading the scope
    // before the pull is safe: the pull changes targets, not appointments, and an appointment
    // event committed after this read enqueues another run of this binding.
    const [listing, targetRows, wanted] = await Promise.all([
      listingAnswer,
      this.targets.list(m, binding.id),
      this.appointments.inScope(m, binding.id),
    ]);
    const targets = new Map(targetRows.map((t) => [t.appointmentId, t]));
    let token = await this.pull.fromServer(client, binding, listing, targets, stats);
    const writes = stats.created + stats.updated + stats.deleted;
    await this.push.toServer(writer, binding, wanted, targets, stats, confirmDeletes);
    if (stats.created + stats.updated + stats.deleted > writes) {
      // Pull again past our own writes: a token from before them does not report an object
      // we created and someone deleted since (Xandikos omits it, RFC 6578 allows that).
      // Our own writes come back with the ETags we stored and are skipped; edits made by
      // others during the run are applied now, and hub_wins writes them back.
      const fresh = new Map(
        (await this.targets.list(m, binding.id)).map((t) => [t.appointmentId, t]),
      );
      const remote = stats.remoteChanges;
      const again = await listChanges(client, binding.calendarUrl, token);
      token = await this.pull.fromServer(client, binding, again, fresh, stats);
      if (stats.remoteChanges > remote) {
        const now = await this.appointments.inScope(m, binding.id);
        await this.push.toServer(writer, binding, now, fresh, stats, confirmDeletes);
      }
    }
    return token;
  }
}

/**
 * The no-change rule: the last run ended clean from the scope version the binding still has
 * (no appointment change concerned it since, no edit), with a sync token to ask the server
 * with. A run confirming deletes is always full (the guard's question is on the full set).
 */
function scopeUnchanged(b: RunBinding, confirmDeletes: boolean): boolean {
  return (
    !confirmDeletes &&
    b.syncedScopeVersion !== null &&
    b.syncedScopeVersion === b.scopeVersion &&
    b.syncToken !== null &&
    b.lastSyncError === null
  );
}

/** A sync-collection answer with no entry: nothing changed on the server since the token. */
function nothingListed(l: RemoteListing): boolean {
  return !l.complete && l.changed.size === 0 && l.deleted.size === 0;
}
