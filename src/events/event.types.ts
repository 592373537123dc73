export const SEVERITIES = ['debug', 'info', 'notice', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a publisher hands to the bus. */
export interface NewEvent {
  type: string;
  source: string;
  subject?: string | null;
  data?: Record<string, unknown>;
  severity?: Severity;
  occurredAt?: Date | string;
  /** Who caused it (a module name); consumers use it to ignore their own events. */
  origin?: string | null;
}

/** An event as stored in the log and handed to consumers. `id` is a bigint as a string. */
export interface HubEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  data: Record<string, unknown>;
  severity: Severity;
  origin: string | null;
  occurredAt: Date;
  createdAt: Date;
  /** Writing transaction id (xid8 as text): with id, the bus's ordering key. */
  tx: string;
}

/** The longest event type (or endpoint filter) anywhere: publish, filters, test sends. */
export const MAX_EVENT_TYPE_LENGTH = 200;
/** Dotted lowercase names: `card.created`, `webhook.delivery.exhausted`. */
export const EVENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;
