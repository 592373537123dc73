import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Per-app sync settings, `sync_app_settings`. A push reads `publish_tables` in the statement
 * that claims its eventIds (PUSH_CONTEXT_COLUMNS), so it costs no extra round trip.
 */
@Entity({ name: 'sync_app_settings' })
export class AppSettingsEntity {
  @PrimaryColumn('text', { name: 'app_id' }) appId: string;
  @Column('text', { array: true, name: 'publish_tables' }) publishTables: string[];
  /** Read by every change-log read of the app, in the statement of the read (LogHead). */
  @Column('boolean', { name: 'mana_sync_pull' }) manaSyncPull: boolean;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
