import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VirtualColumn,
} from 'typeorm';
import type { ScopeKind } from '../appointments/scope.js';

export type ConflictPolicy = 'hub_wins' | 'report';

/** One calendar of a user's account kept in step with one scope of their appointments. */
@Entity({ name: 'calendar_bindings' })
export class CalendarBindingEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'user_id' }) userId: string;
  @Column('text', { name: 'calendar_url' }) calendarUrl: string;
  @Column('text', { name: 'display_name', nullable: true }) displayName: string | null;
  @Column('text', { name: 'scope_kind' }) scopeKind: ScopeKind;
  @Column('text', { name: 'scope_id', nullable: true }) scopeId: string | null;
  @Column('boolean', { name: 'include_personal' }) includePersonal: boolean;
  @Column('boolean') enabled: boolean;
  @Column('text', { name: 'conflict_policy' }) conflictPolicy: ConflictPolicy;
  /** A cron rule for the recurring run instead of CALENDAR_SYNC_INTERVAL, with its zone. */
  @Column('text', { name: 'sync_cron', nullable: true }) syncCron: string | null;
  @Column('text', { name: 'sync_time_zone', nullable: true }) syncTimeZone: string | null;
  @Column('text', { name: 'sync_token', nullable: true }) syncToken: string | null;
  @Column('timestamptz', { name: 'last_sync_at', nullable: true }) lastSyncAt: Date | null;
  @Column('text', { name: 'last_sync_error', nullable: true }) lastSyncError: string | null;
  /**
   * Bumped by every appointment change that concerns the binding and by every edit of it;
   * a bigint, so read as a string. See BindingSyncService for the no-change rule.
   */
  @Column('bigint', { name: 'scope_version', default: 0 }) scopeVersion: string;
  /** The scope_version the last clean run started from; null: unknown (the next run is full). */
  @Column('bigint', { name: 'synced_scope_version', nullable: true })
  syncedScopeVersion: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  /** Objects the hub keeps on the server for this binding (read with every binding). */
  @VirtualColumn({
    type: 'int',
    query: (b) =>
      `SELECT count(*)::int FROM calendar_targets t WHERE t.binding_id = ${b}.id AND t.href IS NOT NULL`,
  })
  objects: number;
}
