import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EventLogRepository } from './event-log.repository.js';
import type { HubEventType, TypedEvent } from './event-map.js';
import { EVENT_TYPE_PATTERN, NewEvent } from './event.types.js';

/** PostgreSQL NOTIFY channel that tells every instance "new events were committed". */
export const EVENTS_CHANNEL = 'hub_events';
/** In-process event-emitter name for the same signal. */
export const EVENTS_APPENDED = 'hub.events.appended';

/**
 * The one way modules say "something happened". Events are appended to the durable log in
 * the caller's transaction when one is given (transactional outbox); consumers are woken
 * after commit, here and on other instances.
 */
@Injectable()
export class EventBus {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: EventLogRepository,
    private readonly emitter: EventEmitter2,
  ) {}

  /** Publishes one of the hub's own events (see HubEventMap): its data is type-checked. */
  async emit<K extends HubEventType>(
    event: TypedEvent<K>,
    manager?: EntityManager,
  ): Promise<string> {
    const [id] = await this.publish(event as NewEvent, manager);
    return id;
  }

  /** Returns the new event ids (bigint as string) in input order. */
  async publish(input: NewEvent | NewEvent[], manager?: EntityManager): Promise<string[]> {
    const events = Array.isArray(input) ? input : [input];
    for (const e of events) {
      if (!EVENT_TYPE_PATTERN.test(e.type)) throw new Error(`invalid event type "${e.type}"`);
    }
    if (events.length === 0) return [];
    if (manager) return this.append(manager, events);
    const ids = await this.dataSource.transaction((m) => this.append(m, events));
    this.emitter.emit(EVENTS_APPENDED);
    return ids;
  }

  private async append(manager: EntityManager, events: NewEvent[]): Promise<string[]> {
    const ids = await this.log.append(manager, events);
    // Delivered only if and when this transaction commits (and to this instance too).
    await manager.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, '']);
    return ids;
  }
}
