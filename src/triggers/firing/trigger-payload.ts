import type { HubEvent } from '../../events/index.js';

/** The body's `type`, the seed's name. */
export const TRIGGER_EVENT_TYPE = 'event_trigger';

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
 * The seed's payload shape, kept stable for receivers: `{type: "event_trigger", triggerId,
 * triggerName, event: {...}, timestamp}` (`type` and `timestamp` are added by the delivery
 * pipeline around these fields).
 */
export function triggerPayloadFields(
  trigger: { id: string; name: string },
  event: PayloadEvent,
): Record<string, unknown> {
  return { triggerId: trigger.id, triggerName: trigger.name, event };
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
