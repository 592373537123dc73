import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { rawWrite } from '../../database/raw-write.js';
import type { DeliveryStatus } from '../deliveries/dto/delivery.dto.js';
import { MessageEntity } from './message.entity.js';

/** Owner of the lane endpoints: one module-owned endpoint row per receiving origin. */
export const MESSAGE_LANE_OWNER = 'webhooks.messages';

/** A message with the state of its delivery, as the API shows it (attempts apart). */
export interface MessageState {
  id: string;
  webhookId: string;
  url: string;
  type: string;
  body: MessageEntity['body'];
  signature: MessageEntity['signature'];
  createdBy: string;
  payload: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** Messages (per-job callbacks) and their lanes; their delivery rows are the queue's. */
@Injectable()
export class MessageRepository {
  /**
   * The lane of `origin` (`https://host:port`), made on first use. Always a new row version
   * (`updated_at = now()`), even when it exists: storage maintenance removes a lane without
   * deliveries once idle for WEBHOOK_RETENTION, and a prune that meets this row locked, or
   * changed, leaves it (it matched the old version by ctid), so it never takes away a lane
   * whose first delivery this transaction is about to insert.
   */
  async lane(m: EntityManager, origin: string): Promise<string> {
    // Raw: an atomic insert-or-touch on the partial unique index (owner, target_key).
    const {
      rows: [{ id }],
    } = await rawWrite<{ id: string }>(
      m,
      `INSERT INTO webhook_endpoints (owner, target_key, url, headers, secrets)
       VALUES ($1, $2, $2, '{}'::jsonb, '[]'::jsonb)
       ON CONFLICT (owner, target_key) WHERE owner IS NOT NULL DO UPDATE SET updated_at = now()
       RETURNING id`,
      [MESSAGE_LANE_OWNER, origin],
    );
    return id;
  }

  async insert(m: EntityManager, message: Omit<MessageEntity, 'createdAt'>): Promise<void> {
    await m.getRepository(MessageEntity).insert(message);
  }

  async find(m: EntityManager, id: string): Promise<MessageState | undefined> {
    // Raw: the message joined with its delivery row (the queue has no entity), in the DTO's shape.
    const [row]: MessageState[] = await m.query(
      `SELECT msg.id, 'msg_' || replace(msg.id::text, '-', '') AS "webhookId", msg.url, d.event_type AS type,
              msg.body, msg.signature, msg.created_by AS "createdBy", d.payload, d.status,
              d.attempt_count AS "attemptCount",
              CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt",
              d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
              msg.created_at AS "createdAt", d.completed_at AS "completedAt"
       FROM webhook_messages msg JOIN webhook_deliveries d ON d.message_id = msg.id
       WHERE msg.id = $1`,
      [id],
    );
    return row;
  }
}
