import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import { EventBus, HUB_EVENTS, type HubEventMap } from '../../events/index.js';
import type { RunBinding } from '../bindings/binding.repository.js';
import { OverBudgetError } from '../caldav/caldav-budget.js';
import { CalDavClient } from '../caldav/caldav-client.js';
import { type RemoteEvent, seenSequence } from '../caldav/icalendar.js';
import { parseIcsOffLoop } from '../caldav/off-loop.js';
import { CalendarMetrics } from './calendar-metrics.js';
import { fetchObjects, type FetchedObject, type RemoteListing } from './pull.js';
import type { SyncStats } from './sync-log.repository.js';
import { type Target, TargetRepository } from './target.repository.js';

/**
 * The pull half of a run: applies what changed on the server to the binding's own objects
 * (its targets), by the binding's conflict policy. `hub_wins` marks an edited object for the
 * write-back and a deleted one for re-creation; `report` records the change on the target and
 * publishes `calendar.remote_changed` / `calendar.remote_deleted`.
 */
@Injectable()
export class BindingPullService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bus: EventBus,
    private readonly targets: TargetRepository,
    private readonly metrics: CalendarMetrics,
  ) {}

  /** Applies remote edits and deletions of our objects; returns the new sync token. */
  async fromServer(
    client: CalDavClient,
    binding: RunBinding,
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

  /** Also the push's answer to a 412 under `report`: the server's edit is kept and reported. */
  async remoteChanged(
    binding: RunBinding,
    t: Target,
    obj: FetchedObject,
    stats: SyncStats,
  ): Promise<void> {
    stats.remoteChanges++;
    t.remoteIcs = obj.ics;
    t.etag = obj.etag;
    if (binding.conflictPolicy === 'hub_wins') {
      // Forces the write-back, keeping the unknown properties; buildIcs numbers it above
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
    this.metrics.countOverBudget(err);
    stats.errors++;
    const message = `${t.href}: ${err.message}`;
    stats.firstError ??= message;
    t.status = 'error';
    t.lastError = message.slice(0, 1000);
    await this.targets.save(this.db.manager, t);
  }

  private async remoteDeleted(binding: RunBinding, t: Target, stats: SyncStats): Promise<void> {
    stats.remoteChanges++;
    const href = t.href!;
    t.href = null;
    t.etag = null;
    t.remoteIcs = null;
    if (binding.conflictPolicy === 'hub_wins') {
      t.contentHash = null; // re-created by the push
      await this.targets.save(this.db.manager, t);
      return;
    }
    t.status = 'remote_deleted';
    await this.report(binding, t, HUB_EVENTS.calendarRemoteDeleted, { href });
  }

  /** Saves the target and publishes the remote change in one transaction (outbox). */
  private async report<K extends 'calendar.remote_changed' | 'calendar.remote_deleted'>(
    binding: RunBinding,
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
}

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
