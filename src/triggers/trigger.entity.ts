import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  UpdateDateColumn,
  type ValueTransformer,
} from 'typeorm';
import type { EndpointSignature } from '../webhooks/index.js';
import type { PayloadFormat } from './firing/trigger-payload.js';
import type { FilterShorthands, Matcher } from './matching/trigger-filter.js';

/** bigint comes back from the driver as text; a repeat interval in ms fits a double. */
const bigintMs: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string) => Number(value),
};

/**
 * A trigger: matchers and a webhook action whose secret and header values are sealed. The id
 * is chosen before the insert (the delivery target is keyed by it in the same transaction).
 */
@Entity({ name: 'event_triggers' })
export class TriggerEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') description: string;
  @Column('boolean') enabled: boolean;
  @Column('jsonb') matchers: Matcher[];
  @Column('jsonb') filter: FilterShorthands;
  @Column('text', { name: 'action_url' }) actionUrl: string;
  @Column('text', { name: 'secret_sealed' }) secretSealed: string;
  /** Header values sealed. */
  @Column('jsonb') headers: Record<string, string>;
  /** How its requests are signed (also on its delivery target, which the pipeline reads). */
  @Column('jsonb') signature: EndpointSignature;
  @Column('text', { name: 'payload_format' }) payloadFormat: PayloadFormat;
  @Column('uuid', { name: 'target_id' }) targetId: string;
  @Column('bigint', { name: 'repeat_interval_ms', transformer: bigintMs }) repeatIntervalMs: number;
  @Column('jsonb', { name: 'group_by' }) groupBy: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
