import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One CalDAV account per user; the password column only ever holds a sealed value. */
@Entity({ name: 'calendar_accounts' })
export class CalendarAccountEntity {
  @PrimaryColumn('text', { name: 'user_id' }) userId: string;
  @Column('text', { name: 'server_url' }) serverUrl: string;
  @Column('text') username: string;
  /** Sealed by the secret box; opened only for a call (caldav-sessions.ts). */
  @Column('text', { name: 'password_sealed' }) passwordSealed: string;
  @Column('text', { name: 'principal_url', nullable: true }) principalUrl: string | null;
  @Column('text', { name: 'home_set_url', nullable: true }) homeSetUrl: string | null;
  /** Set by a disconnect: the row is a tombstone until the user's cleanups have run. */
  @Column('timestamptz', { name: 'disconnected_at', nullable: true }) disconnectedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
