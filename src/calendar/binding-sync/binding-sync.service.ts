import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountRepository } from '../accounts/account.repository.js';
import { CalDavSessions } from '../accounts/caldav-sessions.js';
import { AppointmentRepository } from '../appointments/appointment.repository.js';
import { BindingRepository } from '../bindings/binding.repository.js';
import { CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { BindingPullService } from './binding-pull.service.js';
import { BindingPushService } from './binding-push.service.js';
import { CalendarMetrics } from './calendar-metrics.js';
import { ObjectWriter } from './object-writer.js';
import { listChanges } from './pull.js';
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
    const binding = await this.bindings.get(m, bindingId);
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
      const writer = new ObjectWriter(client, binding.calendarUrl);
      // The server's answer takes longest; our two reads run meanwhile. Reading the scope
      // before the pull is safe: the pull changes targets, not appointments, and an appointment
      // event committed after this read enqueues another run of this binding.
      const [listing, targetRows, wanted] = await Promise.all([
        listChanges(client, binding.calendarUrl, binding.syncToken),
        this.targets.list(m, bindingId),
        this.appointments.inScope(m, bindingId),
      ]);
      const targets = new Map(targetRows.map((t) => [t.appointmentId, t]));
      token = await this.pull.fromServer(client, binding, listing, targets, stats);
      const writes = stats.created + stats.updated + stats.deleted;
      await this.push.toServer(writer, binding, wanted, targets, stats, confirmDeletes);
      if (stats.created + stats.updated + stats.deleted > writes) {
        // Pull again past our own writes: a token from before them does not report an object
        // we created and someone deleted since (Xandikos omits it, RFC 6578 allows that).
        // Our own writes come back with the ETags we stored and are skipped; edits made by
        // others during the run are applied now, and hub_wins writes them back.
        const fresh = new Map(
          (await this.targets.list(m, bindingId)).map((t) => [t.appointmentId, t]),
        );
        const remote = stats.remoteChanges;
        const again = await listChanges(client, binding.calendarUrl, token);
        token = await this.pull.fromServer(client, binding, again, fresh, stats);
        if (stats.remoteChanges > remote) {
          const now = await this.appointments.inScope(m, bindingId);
          await this.push.toServer(writer, binding, now, fresh, stats, confirmDeletes);
        }
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
      await this.db.transaction(async (tx) => {
        await this.log.insert(tx, bindingId, binding.userId, started, durationMs, stats);
        await this.bindings.recordRun(tx, bindingId, new Date(), runError, token);
      });
    } catch (err) {
      if (bindingDeleted(err)) return null; // deleted as the run ended: nothing to record on
      throw err;
    }
    if (error) this.logger.warn(`binding ${bindingId}: ${error}`);
    return { stats, error, transient, retryAfterMs };
  }
}
