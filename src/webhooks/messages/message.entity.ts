import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { StoredSecret } from '../endpoints/endpoint.entity.js';
import type { BodyShape } from '../payloads/body-shape.js';
import type { EndpointSignature } from '../signature.js';

/** A per-job callback's own target; its one delivery row has the same id. */
@Entity({ name: 'webhook_messages' })
export class MessageEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') url: string;
  /** One current secret, sealed, in an endpoint's form so one signing path serves both. */
  @Column('jsonb') secrets: StoredSecret[];
  @Column('jsonb') signature: EndpointSignature;
  @Column('text') body: BodyShape;
  /** The principal id that sent it (`admin-token` or an API key's id). */
  @Column('text', { name: 'created_by' }) createdBy: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
