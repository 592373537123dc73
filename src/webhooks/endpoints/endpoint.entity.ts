import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { BodyShape } from '../payloads/body-shape.js';
import type { EndpointSignature } from '../signature.js';

export interface StoredSecret {
  /** Sealed by the secret box; never stored or logged in the clear. */
  sealed: string;
  createdAt: string;
  /** Null for the current secret; set on older secrets still signing during rotation. */
  expiresAt: string | null;
}

@Entity({ name: 'webhook_endpoints' })
export class EndpointEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Null for endpoints managed over the API; a module's name for its delivery targets. */
  @Column('text', { nullable: true }) owner: string | null;
  /** A delivery target's key within its owner (the rule that registered it); null with owner. */
  @Column('text', { name: 'target_key', nullable: true }) targetKey: string | null;
  @Column('text') url: string;
  @Column('text') description: string;
  @Column('text', { array: true, name: 'event_types' }) eventTypes: string[];
  @Column('text', { array: true, name: 'exact_types' }) exactTypes: string[];
  @Column('text', { array: true, name: 'type_patterns' }) typePatterns: string[];
  @Column('boolean') enabled: boolean;
  @Column('text', { name: 'disabled_reason', nullable: true }) disabledReason: string | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt: Date | null;
  @Column('jsonb') headers: Record<string, string>;
  @Column('integer', { name: 'rate_limit_per_second', nullable: true }) rateLimitPerSecond:
    number | null;
  @Column('jsonb') metadata: Record<string, unknown>;
  @Column('jsonb') secrets: StoredSecret[];
  @Column('jsonb') signature: EndpointSignature;
  /** How request bodies are shaped when sent (docs/webhooks.md, "Body shape"). */
  @Column('text') body: BodyShape;
  @Column('timestamptz', { name: 'failing_since', nullable: true }) failingSince: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
