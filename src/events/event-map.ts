import type { NewEvent } from './event.types.js';

/**
 * Every event type the hub itself publishes, with the shape of its `data`: the bus contract
 * other modules (and receivers subscribed to these types) rely on. Publish them with
 * `EventBus.emit`, which checks the data against this map at compile time.
 *
 * Not listed: events publishers send through `POST /events` (their own contract), and
 * `sync.<table>.<insert|update|delete>` (data: the effective sync change), whose type is
 * built from the app's table names; see {@link syncEventType}.
 */
export interface HubEventMap {
  /** A delivery used its last attempt and failed (severity warning). */
  'webhook.delivery.exhausted': {
    deliveryId: string;
    endpointId: string;
    eventType: string;
    attempts: number;
    lastStatusCode: number | null;
    lastError: string | null;
  };
  /** An endpoint (or a module's delivery target) was disabled: 410 Gone or a long failure streak. */
  'webhook.endpoint.disabled': {
    endpointId: string;
    url: string;
    reason: string;
  };
  /**
   * A log line matched a log-scan rule (source: the log source, subject: the rule name,
   * severity: the rule's). A rule may publish under another `eventType` with the same data.
   */
  'log.match': {
    message: string;
    rule: string;
    ruleId: string;
    captures: Record<string, string>;
    stream: 'stdout' | 'stderr' | null;
    /** Present when the line was cut to 16 KiB. */
    truncated?: true;
  };
  /**
   * Someone edited an object the hub wrote to a user's calendar, and the binding's conflict
   * policy is `report`: the remote version is kept; `remote` holds its parsed fields.
   */
  'calendar.remote_changed': CalendarRemoteChange;
  /** Someone deleted an object the hub wrote (policy `report`): the hub does not re-create it. */
  'calendar.remote_deleted': Omit<CalendarRemoteChange, 'remote'>;
}

/** The data of `calendar.remote_changed` (subject: the appointment id). */
export type CalendarRemoteChange = {
  bindingId: string;
  userId: string;
  appointmentId: string;
  href: string;
  remote: {
    uid: string | null;
    title: string | null;
    start: string | null;
    end: string | null;
    allDay: boolean;
    timezone: string | null;
    location: string | null;
    description: string | null;
    rrule: string | null;
    sequence: number | null;
  };
};

export type HubEventType = keyof HubEventMap;

/** The names, so no module spells an event type as a string literal. */
export const HUB_EVENTS = {
  webhookDeliveryExhausted: 'webhook.delivery.exhausted',
  webhookEndpointDisabled: 'webhook.endpoint.disabled',
  logMatch: 'log.match',
  calendarRemoteChanged: 'calendar.remote_changed',
  calendarRemoteDeleted: 'calendar.remote_deleted',
} as const satisfies Record<string, HubEventType>;

/** An event of the map: its `data` is typed by its `type`. */
export type TypedEvent<K extends HubEventType> = Omit<NewEvent, 'type' | 'data'> & {
  type: K;
  data: HubEventMap[K];
};

export type SyncOp = 'insert' | 'update' | 'delete';

/** `sync.<table>.<op>`, published for the tables an app opted into. */
export function syncEventType(table: string, op: SyncOp): `sync.${string}.${SyncOp}` {
  return `sync.${table}.${op}`;
}
