import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Severity } from '../../events/index.js';

export type LogStream = 'stdout' | 'stderr';
export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr'];

/** A log-scan rule: global when `source` is null, else that source's own (or an override). */
@Entity({ name: 'log_scan_rules' })
export class LogRuleEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') description: string;
  @Column('text') pattern: string;
  @Column('text', { nullable: true }) stream: LogStream | null;
  @Column('text') severity: Severity;
  @Column('text', { name: 'event_type' }) eventType: string;
  @Column('integer', { name: 'cooldown_ms' }) cooldownMs: number;
  @Column('text', { nullable: true }) source: string | null;
  @Column('uuid', { nullable: true }) overrides: string | null;
  @Column('boolean') enabled: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
