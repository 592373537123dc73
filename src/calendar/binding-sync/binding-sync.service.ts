import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import { EventBus, HUB_EVENTS, type HubEventMap } from '../../events/index.js';
import { AccountRepository } from '../accounts/account.repository.js';
import { CalDavSessions } from '../accounts/caldav-sessions.js';
import type { Appointment } from '../appointments/appointment.js';
import { AppointmentRepository } from '../appointments/appointment.repository.js';
import { BindingRepository, type BindingRow } from '../bindings/binding.repository.js';
import { CalDavClient, CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { OverBudgetError } from '../caldav/caldav-budget.js';
import { contentHash, type RemoteEvent, seenSequence } from '../caldav/icalendar.js';
import { buildIcsOffLoop, parseIcsOffLoop } from '../caldav/off-loop.js';
import { CalendarMetrics } from './calendar-metrics.js';
import { ObjectWriter } from './object-writer.js';
import { fetchObjects, listChanges, type RemoteListing } from './pull.js';
import { emptyStats, SyncLogRepository, type SyncStats } from './sync-log.repository.js';
import { type Target, TargetRepository } from './target.repository.js';

export interface RunResult {
  stats: SyncStats;
  /** Set when the run stopped early (server down, mass-delete guard). */
  error: string | null;
  retryAfterMs?: number;
  /** The server failed (network, 5xx, 429): worth retrying soon. */
  transient: boolean;
}

/** A run that would delete more than this share of the binding's objects asks first. */
const MASS_DELETE_SHARE = 0.5;
const MASS_DELETE_MIN = 10;

class MassDeleteStop extends Error {}

/** The binding was deleted while this run was writing: stop; its cleanup owns the calendar. */
class BindingGone extends Error {}

/** A target row whose binding no longer exists (deleted mid-run; targets cascade with it). */
function bindingDeleted(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return (e?.driverError?.code ?? e?.code) === '23503';
}

/**
 * One run of one binding: pull what changed on the server (applying the conflict policy to
 * our objects), then push the hub's view (create, update, delete stale). Runs only inside the
 * `calendar.sync` job (one per binding at a time); every outcome lands in one sync-log row.
 */
@Injectable()
export class BindingSyncService {
  private readonly logger = new Logger('CalendarSync');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: CalDavSessions,
    private readonly bus: EventBus,
    private readonly accounts: AccountRepository,
    private readonly bindings: BindingRepository,
    private readonly appointments: AppointmentRepository,
    private readonly targets: TargetRepository,
    private readonly log: SyncLogRepository,
    private readonly metrics: CalendarMetrics,
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
      token = await this.pull(client, binding, listing, targets, stats);
      const writes = stats.created + stats.updated + stats.deleted;
      await this.push(writer, binding, wanted, targets, stats, confirmDeletes);
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
        token = await this.pull(client, binding, again, fresh, stats);
        if (stats.remoteChanges > remote) {
          const now = await this.appointments.inScope(m, bindingId);
          await this.push(writer, binding, now, fresh, stats, confirmDeletes);
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
      this.countOverBudget(err);
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

  /** Applies remote edits and deletions of our objects; returns the new sync token. */
  private async pull(
    client: CalDavClient,
    binding: BindingRow,
    listing: RemoteListing,
    targets: Map<string, Target>,
    stats: SyncStats,
  ): Promise<string | null> {
    stats.fullResync ||= listing.complete;
    const byHref = new Map([...targets.values()].filter((t) => t.href).map((t) => [t.href!, t]));
    const changed: string[] = [];
    const deleted: Target[] = [];
    for (const [href, t] of byHref) {
      if (listing.deleted.has(href) || (listing.complete && !listing.changed.has(href)))
        deleted.push(t);
      else if (listing.changed.has(href) && listing.changed.get(href) !== t.etag)
        changed.push(href);
    }
    if (changed.length > 0) {
      const { found, missing, rejected } = await fetchObjects(client, binding.calendarUrl, changed);
      for (const href of missing) deleted.push(byHref.get(href)!);
      for (const [href, err] of rejected) await this.refused(byHref.get(href)!, err, stats);
      for (const [href, obj] of found)
        await this.remoteChanged(binding, byHref.get(href)!, obj, stats);
    }
    for (const t of deleted) await this.remoteDeleted(binding, t, stats);
    return listing.token;
  }

  private async remoteChanged(
    binding: BindingRow,
    t: Target,
    obj: { etag: string | null; ics: string },
    stats: SyncStats,
  ): Promise<void> {
    stats.remoteChanges++;
    t.remoteIcs = obj.ics;
    t.etag = obj.etag;
    if (binding.conflictPolicy === 'hub_wins') {
      // Forces the write-back below, keeping the unknown properties; buildIcs numbers it above
      // the SEQUENCE of this kept version.
      t.contentHash = null;
    } else {
      t.status = 'remote_changed';
      const remote = (await parseIcsOffLoop(obj.ics)) ?? emptyRemote();
      // Remembered even if the object is later deleted there: a re-creation goes above it.
      t.sequence = Math.max(t.sequence, seenSequence(remote.sequence) ?? 0);
      await this.report(binding, t, HUB_EVENTS.calendarRemoteChanged, {
        href: t.href!,
        remote: storableRemote(remote),
      });
    }
  }

  /**
   * An object over the budget is an object error: recorded on its target and in the run's
   * log, and left as the server has it (its ETag is not taken, so the next run looks again).
   */
  private async refused(t: Target, err: OverBudgetError, stats: SyncStats): Promise<void> {
    this.countOverBudget(err);
    stats.errors++;
    const message = `${t.href}: ${err.message}`;
    stats.firstError ??= message;
    t.status = 'error';
    t.lastError = message.slice(0, 1000);
    await this.targets.save(this.db.manager, t);
  }

  private countOverBudget(err: unknown): void {
    if (err instanceof OverBudgetError) this.metrics.overBudget.inc({ kind: err.kind });
  }

  private async remoteDeleted(binding: BindingRow, t: Target, stats: SyncStats): Promise<void> {
    stats.remoteChanges++;
    const href = t.href!;
    t.href = null;
    t.etag = null;
    t.remoteIcs = null;
    if (binding.conflictPolicy === 'hub_wins') {
      t.contentHash = null; // re-created below
      await this.targets.save(this.db.manager, t);
      return;
    }
    t.status = 'remote_deleted';
    await this.report(binding, t, HUB_EVENTS.calendarRemoteDeleted, { href });
  }

  /** Saves the target and publishes the remote change in one transaction (outbox). */
  private async report<K extends 'calendar.remote_changed' | 'calendar.remote_deleted'>(
    binding: BindingRow,
    t: Target,
    type: K,
    extra: Omit<HubEventMap[K], 'bindingId' | 'userId' | 'appointmentId'>,
  ): Promise<void> {
    const data = {
      bindingId: binding.id,
      userId: binding.userId,
      appointmentId: t.appointmentId,
      ...extra,
    } as HubEventMap[K];
    await this.db.transaction(async (tx) => {
      await this.targets.save(tx, t);
      await this.bus.emit(
        { type, source: 'calendar', subject: t.appointmentId, origin: 'calendar', data },
        tx,
      );
    });
  }

  private async push(
    writer: ObjectWriter,
    binding: BindingRow,
    wanted: Appointment[],
    targets: Map<string, Target>,
    stats: SyncStats,
    confirmDeletes: boolean,
  ): Promise<void> {
    const wantedIds = new Set(wanted.map((a) => a.id));
    const stale = [...targets.values()].filter((t) => !wantedIds.has(t.appointmentId));
    const onServer = [...targets.values()].filter((t) => t.href).length;
    const deletions = stale.filter((t) => t.href).length;
    // vdirsyncer's guard: a scope typo or an emptied projection must not wipe a calendar.
    if (!confirmDeletes && deletions > MASS_DELETE_MIN && deletions > onServer * MASS_DELETE_SHARE)
      throw new MassDeleteStop(
        `this run would delete ${deletions} of ${onServer} objects; confirm with POST /calendar/bindings/${binding.id}/sync?confirmDeletes=true`,
      );
    for (const a of wanted)
      await this.item(stats, a.id, () => this.write(writer, binding, a, targets.get(a.id), stats));
    for (const t of stale)
      await this.item(stats, t.appointmentId, () => this.removeStale(writer, binding, t, stats));
  }

  /** One object's failure is counted and recorded on its target; the run goes on. */
  private async item(
    stats: SyncStats,
    appointmentId: string,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof BindingGone) throw err;
      // The server itself is unavailable: stop the run rather than fail every object.
      if (serverUnavailable(err)) throw err;
      this.countOverBudget(err);
      stats.errors++;
      const message = `${appointmentId}: ${err instanceof Error ? err.message : String(err)}`;
      stats.firstError ??= message;
    }
  }

  private async write(
    writer: ObjectWriter,
    binding: BindingRow,
    a: Appointment,
    existing: Target | undefined,
    stats: SyncStats,
  ): Promise<void> {
    const hash = contentHash(a);
    const t: Target = existing ?? {
      bindingId: binding.id,
      appointmentId: a.id,
      uid: `${randomUUID()}@integration-hub`,
      href: null,
      etag: null,
      sequence: 0,
      contentHash: null,
      remoteIcs: null,
      status: 'synced',
      lastError: null,
    };
    if (t.contentHash === hash && (t.href || t.status === 'remote_deleted')) {
      stats.unchanged++;
      return;
    }
    // A DELETE of the binding lists its objects for cleanup when it commits; a write after
    // that would be left behind on the server, so each write first checks the binding is there.
    if (!(await this.bindings.exists(this.db.manager, binding.id)))
      throw new BindingGone(binding.id);
    const hadHref = t.href !== null;
    try {
      if (!t.href) await this.create(writer, binding, a, t, stats, existing !== undefined);
      else await this.update(writer, binding, a, t, stats);
      t.contentHash = hash;
      t.status = 'synced';
      t.lastError = null;
    } catch (err) {
      t.status = 'error';
      t.lastError = err instanceof Error ? err.message.slice(0, 1000) : String(err);
      await this.saveTarget(writer, t, false);
      throw err;
    }
    await this.saveTarget(writer, t, !hadHref && t.href !== null);
  }

  /**
   * Saves the target; when the binding was deleted in the moment since the check above, an
   * object this write created is removed again (the cleanup's list did not include it).
   */
  private async saveTarget(writer: ObjectWriter, t: Target, createdNow: boolean): Promise<void> {
    try {
      await this.targets.save(this.db.manager, t);
    } catch (err) {
      if (!bindingDeleted(err)) throw err;
      if (createdNow) await writer.delete(t.href!, t.etag).catch(() => undefined);
      throw new BindingGone(t.bindingId);
    }
  }

  private async create(
    writer: ObjectWriter,
    binding: BindingRow,
    a: Appointment,
    t: Target,
    stats: SyncStats,
    recreate: boolean,
  ) {
    const href = `${new URL(binding.calendarUrl).pathname}${randomUUID()}.ics`;
    // A re-created object is a new revision of the same UID (RFC 5546 section 2.1.4).
    const built = await buildIcsOffLoop(a, {
      uid: t.uid,
      sequence: recreate ? t.sequence + 1 : t.sequence,
      remoteIcs: t.remoteIcs,
    });
    const res = await writer.create(decodeURI(href), built.ics);
    if (res.kind !== 'ok') throw new CalDavError(`PUT ${href} (create) answered ${res.kind}`, 412);
    t.sequence = built.sequence;
    t.href = decodeURI(href);
    t.etag = res.etag;
    t.remoteIcs = null;
    stats.created++;
  }

  private async update(
    writer: ObjectWriter,
    binding: BindingRow,
    a: Appointment,
    t: Target,
    stats: SyncStats,
  ) {
    // t.sequence is the highest SEQUENCE sent or seen; buildIcs also goes above the kept
    // remote version's, and says which it wrote.
    const build = () =>
      buildIcsOffLoop(a, { uid: t.uid, sequence: t.sequence + 1, remoteIcs: t.remoteIcs });
    let built = await build();
    let res = await writer.update(t.href!, built.ics, t.etag);
    if (res.kind === 'precondition') {
      // Changed on the server since we last saw it.
      const current = await writer.get(t.href!);
      if (!current) res = { kind: 'gone' };
      else if (binding.conflictPolicy === 'report') {
        await this.remoteChanged(binding, t, current, stats);
        t.contentHash = contentHash(a);
        return;
      } else {
        stats.remoteChanges++;
        t.remoteIcs = current.ics;
        t.etag = current.etag;
        built = await build();
        res = await writer.update(t.href!, built.ics, current.etag);
      }
    }
    if (res.kind === 'gone') {
      // 404 on update: someone deleted it; re-create under a new href.
      t.href = null;
      t.etag = null;
      t.remoteIcs = null;
      await this.create(writer, binding, a, t, stats, true);
      return;
    }
    if (res.kind !== 'ok') throw new CalDavError(`PUT ${t.href} answered 412 twice`, 412);
    t.sequence = built.sequence;
    t.etag = res.etag;
    stats.updated++;
  }

  private async removeStale(
    writer: ObjectWriter,
    binding: BindingRow,
    t: Target,
    stats: SyncStats,
  ) {
    if (t.href) {
      let res = await writer.delete(t.href, t.etag);
      if (res.kind === 'precondition') {
        const current = await writer.get(t.href);
        if (current && binding.conflictPolicy === 'hub_wins')
          res = await writer.delete(t.href, current.etag);
        else res = { kind: 'gone' }; // report: the remote edit is kept; we only forget the object
      }
      if (res.kind === 'precondition')
        throw new CalDavError(`DELETE ${t.href} answered 412 twice`, 412);
      stats.deleted++;
    }
    await this.targets.remove(this.db.manager, binding.id, t.appointmentId);
  }
}

export { MassDeleteStop };

/** The event log stores JSON in PostgreSQL: the server's text is made storable first. */
function storableRemote(remote: RemoteEvent): RemoteEvent {
  return Object.fromEntries(
    Object.entries(remote).map(([k, v]) => [k, typeof v === 'string' ? storableText(v) : v]),
  ) as RemoteEvent;
}

function emptyRemote() {
  return {
    uid: null,
    title: null,
    start: null,
    end: null,
    allDay: false,
    timezone: null,
    location: null,
    description: null,
    rrule: null,
    sequence: null,
  };
}
