import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inBackground } from '../../common/errors/background-context.js';
import { FailureLog } from '../../common/logging/failure-log.js';
import { APP_DRAINING } from '../../common/lifecycle.js';
import { startTick, stopTick } from '../../common/ticks.js';
import { syncConfig } from '../../config/sync.config.js';
import { PgListener } from '../../database/pg-listener.js';
import { ChangeLogRepository, LogRow } from '../changes/change-log.repository.js';
import { SYNC_CHANNEL } from '../changes/push.service.js';
import { SyncReadService } from '../changes/sync-read.service.js';
import { comparePositions, Position } from '../cursor.js';
import { SPACE_MEMBERS_CHANNEL } from '../spaces/spaces.repository.js';
import { SyncMetrics } from '../sync-metrics.js';
import { SyncException } from '../sync.exception.js';
import { ChangeEvent, changeEvents } from './change-events.js';
import { StreamLimits, StreamSession } from './stream-session.js';

/** Re-read even without a NOTIFY: an open transaction may have held the watermark back. */
const TAIL_POLL_MS = 200;
/** The hub's ticks in the SchedulerRegistry. */
export const HEARTBEAT_TICK = 'sync.stream.heartbeat';
export const TAIL_POLL_TICK = 'sync.stream.poll';

interface Tail {
  appId: string;
  /** Everything up to here was dispatched to attached sessions; null until one attaches. */
  cursor: Position | null;
  sessions: Set<StreamSession>;
  reading: boolean;
  again: boolean;
}

/**
 * Live change streams on this instance. One shared tail per app reads the log once per
 * NOTIFY (or poll) and fans rows out to its sessions, so 1,000 streams cost one query, not
 * 1,000. Visibility is decided from the database at read time: the tail's read returns each
 * space row's current members, so a removed member stops receiving at once.
 */
@Injectable()
export class SyncStreamHub implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncStreamHub.name);
  private readonly tailFailures = new FailureLog(this.logger, 'stream tail read');
  private readonly tails = new Map<string, Tail>();
  /** Open sessions per `appId \n userId`, for the per-user cap. */
  private readonly perUser = new Map<string, number>();
  /** Shutting down: a stream opened now ends at once (the client reconnects elsewhere). */
  private draining = false;
  // An empty payload comes after the listener reconnected: anything may have changed.
  private readonly onChanges = (appId: string) =>
    appId ? this.wakeTail(appId) : [...this.tails.keys()].forEach((a) => this.wakeTail(a));
  private readonly onMembers = (appId: string) =>
    appId
      ? void this.refreshMemberships(appId)
      : [...this.tails.keys()].forEach((a) => void this.refreshMemberships(a));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: ChangeLogRepository,
    private readonly reader: SyncReadService,
    private readonly listener: PgListener,
    private readonly metrics: SyncMetrics,
    private readonly ticks: SchedulerRegistry,
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
  ) {
    metrics.bufferedBytes = () => {
      let total = 0;
      for (const tail of this.tails.values())
        for (const s of tail.sessions) total += s.bufferedBytes;
      return total;
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.listen(SYNC_CHANNEL, this.onChanges);
    await this.listener.listen(SPACE_MEMBERS_CHANNEL, this.onMembers);
    startTick(
      this.ticks,
      HEARTBEAT_TICK,
      () => {
        for (const tail of this.tails.values())
          for (const s of tail.sessions) s.send('heartbeat', {});
      },
      this.config.heartbeatMs,
    );
    startTick(
      this.ticks,
      TAIL_POLL_TICK,
      () => {
        for (const tail of this.tails.values()) if (tail.sessions.size) void this.readTail(tail);
      },
      TAIL_POLL_MS,
    );
  }

  @OnEvent(APP_DRAINING)
  endAll(): void {
    stopTick(this.ticks, HEARTBEAT_TICK);
    stopTick(this.ticks, TAIL_POLL_TICK);
    this.draining = true;
    for (const tail of this.tails.values()) for (const s of tail.sessions) s.end();
    this.tails.clear();
    this.perUser.clear();
    this.metrics.openStreams.set(0);
  }

  beforeApplicationShutdown(): void {
    this.listener.unlisten(SYNC_CHANNEL, this.onChanges);
    this.listener.unlisten(SPACE_MEMBERS_CHANNEL, this.onMembers);
    this.endAll();
  }

  get limits(): StreamLimits {
    return {
      maxBufferBytes: this.config.streamMaxBufferBytes,
      dropGraceMs: this.config.streamDropGraceMs,
    };
  }

  /**
   * Refuses a stream over the per-user cap. The caller opens the session right after, with no
   * await in between, so two concurrent requests cannot both take the last slot.
   */
  admit(appId: string, userId: string): void {
    const open = this.perUser.get(userKey(appId, userId)) ?? 0;
    if (open < this.config.streamsPerUser) return;
    this.metrics.streamsRefused.inc({ reason: 'too-many-streams' });
    throw SyncException.tooManyStreams(
      open,
      // A stream whose peer vanished is noticed when a heartbeat write fails.
      Math.ceil(this.config.heartbeatMs / 1000),
    );
  }

  /** Sends the backlog from the session's cursor, then hands it to the live tail. */
  open(session: StreamSession): Promise<void> {
    return inBackground({ context: 'sync-stream', appId: session.appId }, () =>
      this.openNow(session),
    );
  }

  private async openNow(session: StreamSession): Promise<void> {
    if (this.draining) return session.end();
    const tail = this.tail(session.appId);
    tail.sessions.add(session);
    const key = userKey(session.appId, session.userId);
    this.perUser.set(key, (this.perUser.get(key) ?? 0) + 1);
    this.metrics.openStreams.inc();
    session.onClose = (reason) => {
      if (reason) {
        this.metrics.streamsDropped.inc({ reason });
        this.logger.log(`dropped a ${reason} stream of ${session.userId} in ${session.appId}`);
      }
      this.close(session);
    };
    try {
      const spaces = await this.log.memberships(
        this.dataSource.manager,
        session.appId,
        session.userId,
      );
      session.spaces = new Set(spaces.map((s) => s.spaceId));
      for (let first = true; ; first = false) {
        const upTo = tail.cursor ?? undefined;
        const page = await this.reader.changesSince(
          this.dataSource.manager,
          session.appId,
          session.userId,
          session.tables && [...session.tables],
          { ...session.cursor, log: session.log },
          { excludeClientId: session.clientId, upTo },
        );
        if (session.closed) return;
        if (first) for (const hint of page.resync) session.send('resync', hint);
        session.cursor = page.position;
        for (const event of changeEvents(
          session.appId,
          page.log,
          page.rows,
          page.position,
          page.hasMore,
        ))
          session.sendBacklog(event.json, event.id);
        // The next page is read once the client has taken this one: a long backlog is paced
        // by the client's reading speed, never buffered whole (nor dropped as too slow).
        await session.drained();
        if (session.closed) return;
        if (page.hasMore) continue;
        // Checked and set without an await in between, so the tail cannot move meanwhile.
        if (tail.cursor === null) tail.cursor = session.cursor;
        if (comparePositions(session.cursor, tail.cursor) >= 0) {
          session.attached = true;
          return;
        }
      }
    } catch (err) {
      this.logger.warn(`stream backlog failed: ${(err as Error).message}`);
      this.close(session);
      session.end();
    }
  }

  close(session: StreamSession): void {
    const tail = this.tails.get(session.appId);
    if (!tail?.sessions.delete(session)) return;
    const key = userKey(session.appId, session.userId);
    const left = (this.perUser.get(key) ?? 1) - 1;
    if (left > 0) this.perUser.set(key, left);
    else this.perUser.delete(key);
    this.metrics.openStreams.dec();
    if (tail.sessions.size === 0) tail.cursor = null;
  }

  private tail(appId: string): Tail {
    let tail = this.tails.get(appId);
    if (!tail) {
      tail = { appId, cursor: null, sessions: new Set(), reading: false, again: false };
      this.tails.set(appId, tail);
    }
    return tail;
  }

  private wakeTail(appId: string): void {
    const tail = this.tails.get(appId);
    if (tail?.sessions.size) void this.readTail(tail);
  }

  /** Errors escaping the read or a session's write are reported as `sync-stream`. */
  private readTail(tail: Tail): Promise<void> {
    return inBackground({ context: 'sync-stream', appId: tail.appId }, () =>
      this.readTailNow(tail),
    );
  }

  private async readTailNow(tail: Tail): Promise<void> {
    if (tail.reading) {
      tail.again = true;
      return;
    }
    tail.reading = true;
    try {
      do {
        tail.again = false;
        const from = tail.cursor;
        if (from === null) return;
        await this.reader.identity.ensureCurrent();
        const page = await this.log.page(this.dataSource.manager, {
          appId: tail.appId,
          tables: null,
          after: from,
          userId: null,
          limit: 1000,
        });
        if (tail.cursor === null) return; // every session left meanwhile
        if (tail.cursor !== from) {
          // Every session left and a new one restarted the tail meanwhile: read again.
          tail.again = true;
          continue;
        }
        this.dispatch(tail, page.rows, page.next, page.head.log, page.hasMore);
        // Dropping slow clients in dispatch may have detached the last session, which reset
        // the cursor: a tail without sessions must keep none (the next one restarts it).
        if (tail.cursor === null) return;
        tail.cursor = page.next;
        if (page.hasMore) tail.again = true;
      } while (tail.again && tail.sessions.size > 0);
      this.tailFailures.succeeded();
    } catch (err) {
      this.metrics.tailErrors.inc();
      // Retried every poll (200 ms) per app: during an outage, a few lines a minute.
      this.tailFailures.failed(err);
    } finally {
      tail.reading = false;
    }
  }

  private dispatch(tail: Tail, rows: LogRow[], next: Position, log: string, more: boolean): void {
    // Sessions that see the same rows share serialised events (1,000 streams of one space
    // cost one set of strings, not 1,000).
    const built = new Map<string, ChangeEvent[]>();
    for (const s of tail.sessions) {
      if (!s.attached) continue;
      // The log was replaced under the stream (a restored or moved database): its positions
      // mean nothing here. Ended, the client reconnects with Last-Event-ID and gets the 410.
      if (s.log !== log) {
        s.end();
        continue;
      }
      const visible: number[] = [];
      rows.forEach((r, i) => {
        if (
          comparePositions(r, s.cursor) > 0 &&
          (s.tables === null || s.tables.has(r.table)) &&
          r.clientId !== s.clientId &&
          (r.spaceId ? (r.members ?? []).includes(s.userId) : r.ownerId === s.userId)
        )
          visible.push(i);
      });
      if (comparePositions(next, s.cursor) > 0) s.cursor = next;
      if (visible.length === 0) continue;
      const cacheKey = `${s.cursor.tx}:${s.cursor.seq}|${visible.join(',')}`;
      let events = built.get(cacheKey);
      if (events === undefined) {
        events = changeEvents(
          tail.appId,
          log,
          visible.map((i) => rows[i]),
          s.cursor,
          more,
        );
        built.set(cacheKey, events);
      }
      for (const event of events) s.sendJson('changes', event.json, event.id);
    }
  }

  /** A membership changed in this app: tell affected streams to load or drop a space. */
  private async refreshMemberships(appId: string): Promise<void> {
    const tail = this.tails.get(appId);
    if (!tail?.sessions.size) return;
    try {
      const users = [...new Set([...tail.sessions].map((s) => s.userId))];
      const rows: { userId: string; spaceId: string }[] = await this.dataSource.query(
        `SELECT sm.user_id AS "userId", sm.space_id AS "spaceId"
         FROM sync_space_members sm JOIN sync_spaces s ON s.id = sm.space_id
         WHERE s.app_id = $1 AND sm.user_id = ANY($2::text[])`,
        [appId, users],
      );
      for (const s of tail.sessions) {
        const now = new Set(rows.filter((r) => r.userId === s.userId).map((r) => r.spaceId));
        for (const id of now)
          if (!s.spaces.has(id)) s.send('resync', { spaceId: id, reason: 'joined' });
        for (const id of s.spaces)
          if (!now.has(id)) s.send('resync', { spaceId: id, reason: 'removed' });
        s.spaces = now;
      }
    } catch (err) {
      this.logger.warn(`membership refresh failed: ${(err as Error).message}`);
    }
  }
}

const userKey = (appId: string, userId: string) => `${appId}\n${userId}`;
