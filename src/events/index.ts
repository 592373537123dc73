/**
 * The event bus's public surface for other modules: publish (EventBus), consume
 * (@EventConsumer with an EventHandler, or EventConsumersService.registerConsumer), the typed
 * event map, the event shape and the rules for event types. Import from here, not from the
 * files behind it.
 */
export { EventsModule } from './events.module.js';
export { EventBus } from './event-bus.js';
export { EventActivityService, type FailingConsumer } from './activity/event-activity.service.js';
export { EventConsumersService } from './consumers/event-consumers.service.js';
export {
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
} from './consumers/event-consumer.decorator.js';
export {
  HUB_EVENTS,
  syncEventType,
  type CalendarRemoteChange,
  type HubEventMap,
  type HubEventType,
  type SyncOp,
  type TypedEvent,
} from './event-map.js';
export {
  EVENT_TYPE_PATTERN,
  MAX_EVENT_TYPE_LENGTH,
  SEVERITIES,
  type HubEvent,
  type NewEvent,
  type Severity,
} from './event.types.js';
export { compileEventTypes, EVENT_TYPE_FILTER_PATTERN } from './event-type-filter.js';
