import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import { type CronSchedule, cronProblem, DEFAULT_TIME_ZONE } from '../../jobs/index.js';
import { AccountRepository } from '../accounts/account.repository.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { isHierarchyKind, type ScopeKind } from '../appointments/scope.js';
import { decodedPath, listCalendars } from '../caldav/discovery.js';
import { CalendarException } from '../calendar.exception.js';
import {
  BindingDto,
  CreateBindingDto,
  SyncLogEntryDto,
  UpdateBindingDto,
} from '../dto/binding.dto.js';
import { SyncLogRepository } from '../binding-sync/sync-log.repository.js';
import { SyncScheduler } from '../binding-sync/sync-scheduler.js';
import { BindingRemoval } from './binding-removal.js';
import { BindingRepository, type BindingRow } from './binding.repository.js';

/** A user's bindings: a calendar kept in step with one scope of their appointments. */
@Injectable()
export class BindingsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bindings: BindingRepository,
    private readonly syncLog: SyncLogRepository,
    private readonly accounts: AccountsService,
    private readonly accountRows: AccountRepository,
    private readonly scheduler: SyncScheduler,
    private readonly removal: BindingRemoval,
  ) {}

  async create(userId: string, dto: CreateBindingDto): Promise<BindingDto> {
    checkScope(dto.scopeKind, dto.scopeId ?? null);
    const cron = syncCronOf(dto.syncCron ?? null, dto.syncTimeZone ?? null);
    if (dto.create && dto.calendarPath)
      throw CalendarException.invalid('calendarPath', 'must be absent when create is true');
    if (!dto.create && !dto.calendarPath)
      throw CalendarException.invalid(
        'calendarPath',
        'is required (or create: true for a new calendar)',
      );
    const { account, client } = await this.accounts.session(userId);
    const calendar = dto.create
      ? await this.accounts.explain(() =>
          this.accounts.makeCalendar(
            client,
            account.homeSetUrl!,
            dto.displayName ?? 'Integration Hub',
          ),
        )
      : (await this.accounts.explain(() => listCalendars(client, account.homeSetUrl!))).find((c) =>
          samePath(c.href, dto.calendarPath!),
        );
    if (!calendar) throw CalendarException.calendarNotFound(dto.calendarPath!);
    const id = await this.db.transaction(async (m) => {
      // Waits for a disconnect under way, then finds no account: no binding outlives it.
      if (!(await this.accountRows.lockConnected(m, userId, 'share')))
        throw CalendarException.noAccount();
      if (await this.bindings.calendarTaken(m, userId, calendar.url))
        throw CalendarException.calendarTaken(calendar.href);
      const id = await this.bindings.insert(m, {
        userId,
        calendarUrl: calendar.url,
        displayName: dto.displayName ?? calendar.displayName,
        scopeKind: dto.scopeKind,
        scopeId: dto.scopeId ?? null,
        includePersonal: dto.includePersonal ?? false,
        enabled: dto.enabled ?? true,
        conflictPolicy: dto.conflictPolicy ?? 'hub_wins',
        syncCron: cron?.cron ?? null,
        syncTimeZone: cron?.timeZone ?? null,
      });
      if (dto.enabled !== false) await this.scheduler.start(id, m, cron);
      return id;
    });
    return this.get(userId, id);
  }

  async list(userId: string): Promise<BindingDto[]> {
    return (await this.bindings.list(this.db.manager, userId)).map((b) => this.toDto(b));
  }

  /** Every user's bindings (operators), keyset-paged by user and creation. */
  async listAll(
    userId: string | undefined,
    limit: number,
    cursor?: string,
  ): Promise<{ data: BindingDto[]; nextCursor: string | null }> {
    const after = cursor
      ? decodeCursor<{ user: string; at: string; id: string }>(cursor, {
          user: 'text',
          at: 'timestamp',
          id: 'uuid',
        })
      : undefined;
    const rows = await this.bindings.listAll(this.db.manager, userId, limit + 1, after);
    return paginate(
      rows,
      limit,
      (last) => ({ user: last.userId, at: last.createdAt.toISOString(), id: last.id }),
      (b) => this.toDto(b),
    );
  }

  async get(userId: string, id: string): Promise<BindingDto> {
    return this.toDto(await this.require(userId, id));
  }

  async update(userId: string, id: string, dto: UpdateBindingDto): Promise<BindingDto> {
    await this.db.transaction(async (m) => {
      if (!(await this.bindings.lock(m, id, userId))) throw CalendarException.bindingNotFound(id);
      const current = (await this.bindings.get(m, id, userId))!;
      const scopeKind = dto.scopeKind ?? current.scopeKind;
      // Switching to a kind without a node drops the old node unless one is sent.
      const scopeId =
        dto.scopeId !== undefined
          ? dto.scopeId
          : dto.scopeKind && !isHierarchyKind(dto.scopeKind)
            ? null
            : current.scopeId;
      checkScope(scopeKind, scopeId);
      // syncCron null goes back to the interval; either field alone keeps the other.
      const cron =
        dto.syncCron === null
          ? syncCronOf(null, dto.syncTimeZone ?? null)
          : syncCronOf(dto.syncCron ?? current.syncCron, dto.syncTimeZone ?? current.syncTimeZone);
      await this.bindings.update(m, id, {
        displayName: dto.displayName,
        scopeKind,
        scopeId,
        includePersonal: dto.includePersonal,
        enabled: dto.enabled,
        conflictPolicy: dto.conflictPolicy,
        syncCron: cron?.cron ?? null,
        syncTimeZone: cron?.timeZone ?? null,
      });
      const enabled = dto.enabled ?? current.enabled;
      if (enabled) await this.scheduler.start(id, m, cron);
      else await this.scheduler.stop(id, m);
    });
    return this.get(userId, id);
  }

  /**
   * Deletes the binding and its targets in one transaction; the objects it wrote are removed
   * from the server by a `calendar.cleanup` job (unless keepRemote). Sync-log rows stay.
   */
  async remove(userId: string, id: string, keepRemote: boolean): Promise<void> {
    await this.db.transaction(async (m) => {
      if (!(await this.bindings.lock(m, id, userId))) throw CalendarException.bindingNotFound(id);
      await this.removal.remove(m, (await this.bindings.get(m, id, userId))!, keepRemote);
    });
  }

  /** `userId` undefined: any user's binding (operators). */
  async syncNow(
    userId: string | undefined,
    id: string,
    confirmDeletes: boolean,
  ): Promise<{ jobId: string }> {
    // Without the objects count: a "sync now" reads no target row.
    const b = await this.bindings.stored(this.db.manager, id, userId);
    if (!b) throw CalendarException.bindingNotFound(id);
    if (!b.enabled)
      throw CalendarException.invalid('enabled', 'is false: enable the binding to sync it');
    return { jobId: await this.scheduler.runNow(id, confirmDeletes) };
  }

  /** `userId` undefined: any user's binding (operators). */
  async syncLogOf(
    userId: string | undefined,
    id: string,
    limit: number,
  ): Promise<SyncLogEntryDto[]> {
    await this.require(userId, id);
    return (await this.syncLog.list(this.db.manager, id, limit)).map((r) => ({
      id: r.id,
      startedAt: r.startedAt.toISOString(),
      durationMs: r.durationMs,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      unchanged: r.unchanged,
      remoteChanges: r.remoteChanges,
      errors: r.errors,
      firstError: r.firstError,
      fullResync: r.fullResync,
    }));
  }

  private async require(userId: string | undefined, id: string): Promise<BindingRow> {
    const b = await this.bindings.get(this.db.manager, id, userId);
    if (!b) throw CalendarException.bindingNotFound(id);
    return b;
  }

  private toDto(b: BindingRow): BindingDto {
    return {
      id: b.id,
      userId: b.userId,
      calendarPath: shownPath(new URL(b.calendarUrl).pathname),
      calendarUrl: b.calendarUrl,
      displayName: b.displayName,
      scopeKind: b.scopeKind,
      scopeId: b.scopeId,
      includePersonal: b.includePersonal,
      enabled: b.enabled,
      conflictPolicy: b.conflictPolicy,
      objects: b.objects,
      lastSyncAt: b.lastSyncAt?.toISOString() ?? null,
      lastSyncError: b.lastSyncError,
      syncCron: b.syncCron,
      syncTimeZone: b.syncTimeZone,
      nextSyncAt: b.enabled
        ? (this.scheduler
            .nextRunAt(
              b.lastSyncAt,
              b.syncCron
                ? { cron: b.syncCron, timeZone: b.syncTimeZone ?? DEFAULT_TIME_ZONE }
                : null,
            )
            ?.toISOString() ?? null)
        : null,
      createdAt: b.createdAt.toISOString(),
      updatedAt: b.updatedAt.toISOString(),
    };
  }
}

/**
 * A binding's cron rule with its zone (default UTC), or null for the interval. The DTO checked
 * each field; here the pair: a zone needs a rule, and the rule must fire in that zone.
 */
function syncCronOf(cron: string | null, timeZone: string | null): CronSchedule | null {
  if (!cron) {
    if (timeZone) throw CalendarException.invalid('syncTimeZone', 'needs syncCron');
    return null;
  }
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  const problem = cronProblem(cron, zone);
  if (problem) throw CalendarException.invalid('syncCron', problem);
  return { cron, timeZone: zone };
}

/** The rule the CHECK constraint also enforces, as a 400 that names the field. */
function checkScope(kind: ScopeKind, scopeId: string | null): void {
  if (isHierarchyKind(kind) && !scopeId)
    throw CalendarException.invalid('scopeId', `is required for scopeKind ${kind}`);
  if (!isHierarchyKind(kind) && scopeId)
    throw CalendarException.invalid('scopeId', `must be absent for scopeKind ${kind}`);
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    let path = p;
    try {
      path = new URL(p).pathname;
    } catch {
      // a path already
    }
    return shownPath(path).replace(/\/*$/, '/');
  };
  return norm(a) === norm(b);
}

/** A path decoded for showing and comparing; as written when a %-escape is malformed. */
function shownPath(path: string): string {
  return decodedPath(path) ?? path;
}
