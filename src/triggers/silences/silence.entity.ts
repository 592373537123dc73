import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Matcher } from '../matching/trigger-filter.js';

/** A silence: matches its matchers cover between `startsAt` and `endsAt` are not fired. */
@Entity({ name: 'event_trigger_silences' })
export class SilenceEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('jsonb') matchers: Matcher[];
  @Column('timestamptz', { name: 'starts_at' }) startsAt: Date;
  @Column('timestamptz', { name: 'ends_at' }) endsAt: Date;
  @Column('text', { name: 'created_by' }) createdBy: string;
  @Column('text') comment: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
