import type { HubEvent } from '../../events/index.js';

/** The body's `type`, the seed's name. */
export const TRIGGER_EVENT_TYPE = 'event_trigger';

/**
 * What a trigger's receiver gets: `tiny-forge` (the default) is the seed's body, so a
 * receiver written for tiny-forge works unchanged; `hub` is the camelCase body the hub sent
 * before, kept for receivers written against it (triggers saved before the change keep it).
 */
export const PAYLOAD_FORMATS = ['tiny-forge', 'hub'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
export const DEFAULT_PAYLOAD_FORMAT: PayloadFormat = 'tiny-forge';

export interface PayloadEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  severity: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/**
 * The body's fields besides `type` and `timestamp`, which the delivery pipeline adds around
 * them (`type` first, `timestamp` last, as the seed's struct orders them).
 *
 * `tiny-forge`: `{trigger_id, trigger_name, event}` with the seed's snake_case keys. The seed's
 * `trigger_id` was its row number; here it is the trigger's UUID, as a string. `event` carries
 * the fields the seed's event log gave its dispatcher (`severity`, `source`, `message`, the
 * last being `data.message` as text, empty when the event has none) next to the hub's own
 * (`id`, `type`, `subject`, `data`, `occurred_at`).
 *
 * `hub`: `{triggerId, triggerName, event: {id, type, source, subject, severity, data,
 * occurredAt}}`.
 */
export function triggerPayloadFields(
  trigger: { id: string; name: string; payloadFormat: PayloadFormat },
  event: PayloadEvent,
): Record<string, unknown> {
  if (trigger.payloadFormat === 'hub')
    return { triggerId: trigger.id, triggerName: trigger.name, event };
  return { trigger_id: trigger.id, trigger_name: trigger.name, event: seedEvent(event) };
}

function seedEvent(e: PayloadEvent): Record<string, unknown> {
  const message = e.data.message;
  return {
    id: e.id,
    type: e.type,
    source: e.source,
    severity: e.severity,
    message: typeof message === 'string' ? message : '',
    subject: e.subject,
    data: e.data,
    occurred_at: e.occurredAt,
  };
}

export function payloadEvent(e: HubEvent): PayloadEvent {
  return {
    id: e.id,
    type: e.type,
    source: e.source,
    subject: e.subject,
    severity: e.severity,
    data: e.data,
    occurredAt: new Date(e.occurredAt).toISOString(),
  };
}
