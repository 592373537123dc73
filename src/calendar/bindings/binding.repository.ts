import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type EntityManager,
  type FindOperator,
  type FindOptionsWhere,
  Not,
  Repository,
} from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import type { ScopeKind } from '../appointments/scope.js';
import { CalendarBindingEntity } from './binding.entity.js';

export type BindingRow = CalendarBindingEntity;

/** What a binding's owner sets (on create, and each optionally by PATCH). */
type EditableField =
  | 'displayName'
  | 'scopeKind'
  | 'scopeId'
  | 'includePersonal'
  | 'enabled'
  | 'conflictPolicy'
  | 'syncCron'
  | 'syncTimeZone';

export type NewBinding = Pick<BindingRow, 'userId' | 'calendarUrl' | EditableField>;

export type BindingChanges = Partial<Pick<BindingRow, EditableField>>;

/** A binding as a run reads it: without `objects`, whose count reads its target rows. */
export type RunBinding = Omit<BindingRow, 'objects'>;

// The order: everything, then personal, then the hierarchy bindings by creation.
const KIND_RANK = (k: ScopeKind) => (k === 'all_visible' ? 0 : k === 'personal_only' ? 1 : 2);

/** Each method takes the caller's EntityManager, so it runs in the caller's transaction. */
@Injectable()
export class BindingRepository {
  constructor(
    @InjectRepository(CalendarBindingEntity)
    private readonly bindings: Repository<CalendarBindingEntity>,
  ) {}

  /** A user's binding; another user's id reads as absent (404, never 403). */
  get(m: EntityManager, id: string, userId?: string): Promise<BindingRow | null> {
    const where: FindOptionsWhere<CalendarBindingEntity> = userId ? { id, userId } : { id };
    return m.withRepository(this.bindings).findOneBy(where);
  }

  /**
   * The binding without its `objects` count (which reads its target rows): every stored
   * column, for a run and for requests that do not show the binding.
   */
  stored(m: EntityManager, id: string, userId?: string): Promise<RunBinding | null> {
    const repo = m.withRepository(this.bindings);
    const select = Object.fromEntries(
      repo.metadata.columns.filter((c) => !c.isVirtualProperty).map((c) => [c.propertyName, true]),
    );
    return repo.findOne({ select, where: userId ? { id, userId } : { id } });
  }

  /**
   * Marks the scope of these bindings as changed (the appointment projection, once per batch),
   * so their next run is a full one.
   */
  async bumpScope(m: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // Sorted: two batches lock their rows in one order.
    await m.query(
      `UPDATE calendar_bindings SET scope_version = scope_version + 1 WHERE id = ANY($1::uuid[])`,
      [[...ids].sort()],
    );
  }

  /** Locks the binding row: a PATCH and a DELETE of one binding do not interleave. */
  async lock(m: EntityManager, id: string, userId: string): Promise<boolean> {
    const row = await m.withRepository(this.bindings).findOne({
      select: { id: true },
      where: { id, userId },
      lock: { mode: 'pessimistic_write' },
    });
    return row !== null;
  }

  async list(m: EntityManager, userId: string): Promise<BindingRow[]> {
    const rows = await m
      .withRepository(this.bindings)
      .find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
    // A stable sort: creation order stays within each rank.
    return rows.sort((a, b) => KIND_RANK(a.scopeKind) - KIND_RANK(b.scopeKind));
  }

  /**
   * Every user's bindings by user, then creation, after the binding `afterId` (a cursor): the
   * cursor row's own created_at (microseconds) decides where the page starts, and a cursor
   * row deleted since falls back to the instant the cursor carries.
   */
  listAll(
    m: EntityManager,
    userId: string | undefined,
    limit: number,
    after?: { user: string; at: string; id: string },
  ): Promise<BindingRow[]> {
    const qb = m.withRepository(this.bindings).createQueryBuilder('b');
    if (userId) qb.andWhere('b.user_id = :userId', { userId });
    if (after)
      qb.andWhere(
        `(b.user_id, b.created_at, b.id) > (:user, COALESCE((SELECT c.created_at FROM calendar_bindings c
           WHERE c.id = :id), CAST(:at AS timestamptz)), CAST(:id AS uuid))`,
        after,
      );
    return qb
      .orderBy('b.user_id', 'ASC')
      .addOrderBy('b.created_at', 'ASC')
      .addOrderBy('b.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The run state of the bindings of these users (no object counts). */
  states(
    m: EntityManager,
    userIds: FindOperator<string>,
  ): Promise<Pick<BindingRow, 'userId' | 'enabled' | 'lastSyncError'>[]> {
    return m.withRepository(this.bindings).find({
      select: { userId: true, enabled: true, lastSyncError: true },
      where: { userId: userIds },
    });
  }

  exists(m: EntityManager, id: string): Promise<boolean> {
    return m.withRepository(this.bindings).existsBy({ id });
  }

  count(m: EntityManager, userId: string): Promise<number> {
    return m.withRepository(this.bindings).countBy({ userId });
  }

  calendarTaken(
    m: EntityManager,
    userId: string,
    calendarUrl: string,
    exceptId?: string,
  ): Promise<boolean> {
    return m
      .withRepository(this.bindings)
      .existsBy(exceptId ? { userId, calendarUrl, id: Not(exceptId) } : { userId, calendarUrl });
  }

  async insert(m: EntityManager, b: NewBinding): Promise<string> {
    const { identifiers } = await m
      .withRepository(this.bindings)
      .insert({ ...b, displayName: storableText(b.displayName) });
    return (identifiers[0] as { id: string }).id;
  }

  async update(m: EntityManager, id: string, changes: BindingChanges): Promise<void> {
    const set = Object.fromEntries(
      Object.entries(changes).filter(([, v]) => v !== undefined),
    ) as BindingChanges;
    if (Object.keys(set).length === 0) return;
    // Any edit may change what the binding holds (scope, enabling after missed changes, the
    // policy): its next run is a full one, even if a run under way records its own start.
    await m
      .withRepository(this.bindings)
      .update({ id }, { ...set, scopeVersion: () => 'scope_version + 1' });
  }

  async remove(m: EntityManager, id: string): Promise<void> {
    await m.withRepository(this.bindings).delete({ id });
  }

  /**
   * `syncToken` undefined keeps the stored token. `syncedScope` is the scope_version a clean
   * run started from, null after any other run (the next one is then full).
   */
  async recordRun(
    m: EntityManager,
    id: string,
    at: Date,
    error: string | null,
    syncToken: string | null | undefined,
    syncedScope: string | null,
  ): Promise<void> {
    await m.withRepository(this.bindings).update(
      { id },
      {
        lastSyncAt: at,
        // Both quote the server: stored as storable text (NUL and lone surrogates replaced).
        lastSyncError: storableText(error),
        ...(syncToken !== undefined && { syncToken: storableText(syncToken) }),
        syncedScopeVersion: syncedScope,
        // A run is not an edit of the binding: updated_at stays as it was.
        updatedAt: () => 'updated_at',
      },
    );
  }
}
