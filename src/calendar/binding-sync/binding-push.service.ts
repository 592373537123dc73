import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Appointment } from '../appointments/appointment.js';
import { BindingRepository, type RunBinding } from '../bindings/binding.repository.js';
import { CalDavError, serverUnavailable } from '../caldav/caldav-client.js';
import { contentHash } from '../caldav/icalendar.js';
import { buildIcsOffLoop } from '../caldav/off-loop.js';
import { BindingPullService } from './binding-pull.service.js';
import { CalendarMetrics } from './calendar-metrics.js';
import { ObjectWriter } from './object-writer.js';
import { BindingGone, bindingDeleted, MassDeleteStop } from './sync-errors.js';
import type { SyncStats } from './sync-log.repository.js';
import { type Target, TargetRepository } from './target.repository.js';

/** A run that would delete more than this share of the binding's objects asks first. */
const MASS_DELETE_SHARE = 0.5;
const MASS_DELETE_MIN = 10;

/**
 * The write half of a run: pushes the hub's view of a binding to its calendar. Creates and
 * updates each wanted appointment with conditional writes (a 412 applies the conflict policy),
 * and deletes the objects of appointments that left the scope.
 */
@Injectable()
export class BindingPushService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bindings: BindingRepository,
    private readonly targets: TargetRepository,
    private readonly pull: BindingPullService,
    private readonly metrics: CalendarMetrics,
  ) {}

  async toServer(
    writer: ObjectWriter,
    binding: RunBinding,
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
      this.metrics.countOverBudget(err);
      stats.errors++;
      const message = `${appointmentId}: ${err instanceof Error ? err.message : String(err)}`;
      stats.firstError ??= message;
    }
  }

  private async write(
    writer: ObjectWriter,
    binding: RunBinding,
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
    binding: RunBinding,
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
    binding: RunBinding,
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
        await this.pull.remoteChanged(binding, t, current, stats);
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
    binding: RunBinding,
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
