import { SetMetadata } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { HubEvent } from '../event.types.js';

export const EVENT_CONSUMER_KEY = 'hub:event-consumer';

export interface EventConsumerOptions {
  /** Durable identity of the cursor: renaming a consumer starts a new cursor. */
  name: string;
  batchSize?: number;
  /** Where a consumer seen for the first time starts. Default: the beginning of the log. */
  startFrom?: 'beginning' | 'now';
  /**
   * Only these types reach `handle()`: exact (`card.created`), prefix (`card.*`) or `*`.
   * Filtered in the bus's SQL; the cursor still moves past the others. Default: every type.
   */
  types?: string[];
  /** Events whose `origin` is one of these never reach `handle()` (loop prevention). */
  ignoreOrigins?: string[];
}

/**
 * A consumer gets batches in log order, with the transaction its cursor advances in: writes
 * made through `manager` commit together with the new cursor, or not at all. Throwing rolls
 * the batch back; the bus retries with back-off and records a poison event after N tries.
 */
export interface EventHandler {
  handle(events: HubEvent[], manager: EntityManager): Promise<void>;
}

/** Marks a provider as a bus consumer; it must implement EventHandler (checked at boot). */
export const EventConsumer = (options: EventConsumerOptions): ClassDecorator =>
  SetMetadata(EVENT_CONSUMER_KEY, options);
