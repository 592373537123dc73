import type { HubEvent } from '../../events/index.js';
import { labelValue } from '../matching/labels.js';
import { compileFilter, EventPredicate, requiredValue } from '../matching/trigger-filter.js';
import type { TriggerEntity } from '../trigger.entity.js';
import type { PayloadFormat } from './trigger-payload.js';

export interface CompiledTrigger {
  id: string;
  name: string;
  targetId: string;
  payloadFormat: PayloadFormat;
  repeatIntervalMs: number;
  groupBy: string[];
  /** Events logged before the trigger existed never match it (a backlog is not its past). */
  since: number;
  matches: EventPredicate;
}

/**
 * The enabled triggers, compiled once per configuration version and indexed by the `type`
 * (else `source`) equality they demand, so an event is only tested against triggers that can
 * match it: with a thousand triggers most are ruled out by one map lookup.
 */
export class TriggerSet {
  private readonly byType = new Map<string, CompiledTrigger[]>();
  private readonly bySource = new Map<string, CompiledTrigger[]>();
  private readonly anyEvent: CompiledTrigger[] = [];
  /** Every trigger's delivery target, enabled or not: events about them are trigger-caused. */
  private readonly targetIds = new Set<string>();

  constructor(rows: TriggerEntity[]) {
    for (const row of rows) {
      this.targetIds.add(row.targetId);
      if (!row.enabled) continue;
      const spec = { matchers: row.matchers, filter: row.filter };
      const compiled: CompiledTrigger = {
        id: row.id,
        name: row.name,
        targetId: row.targetId,
        payloadFormat: row.payloadFormat,
        repeatIntervalMs: row.repeatIntervalMs,
        groupBy: row.groupBy,
        since: new Date(row.createdAt).getTime(),
        matches: compileFilter(spec),
      };
      const type = requiredValue(spec, 'type');
      const source = type === undefined ? requiredValue(spec, 'source') : undefined;
      if (type !== undefined) push(this.byType, type, compiled);
      else if (source !== undefined) push(this.bySource, source, compiled);
      else this.anyEvent.push(compiled);
    }
  }

  get size(): number {
    return this.targetIds.size;
  }

  /** The enabled triggers whose filter matches the event. */
  matching(event: HubEvent): CompiledTrigger[] {
    const out: CompiledTrigger[] = [];
    const at = new Date(event.createdAt).getTime();
    collect(this.byType.get(event.type), event, at, out);
    collect(this.bySource.get(event.source), event, at, out);
    collect(this.anyEvent, event, at, out);
    return out;
  }

  /**
   * Whether a trigger's own delivery caused the event (`webhook.delivery.exhausted` or
   * `webhook.endpoint.disabled` about a trigger's target). No trigger ever matches those:
   * a trigger that matches everything, pointed at a failing receiver, would otherwise fire
   * on its own failure forever.
   */
  causedByTrigger(event: HubEvent): boolean {
    if (!event.type.startsWith('webhook.')) return false;
    const endpointId = event.data.endpointId;
    return typeof endpointId === 'string' && this.targetIds.has(endpointId);
  }
}

/** `{"source":"backup"}`: the values of the trigger's groupBy labels ('{}' without groupBy). */
export function groupKey(groupBy: string[], event: HubEvent): string {
  return JSON.stringify(Object.fromEntries(groupBy.map((l) => [l, labelValue(event, l)])));
}

function collect(
  list: CompiledTrigger[] | undefined,
  event: HubEvent,
  at: number,
  out: CompiledTrigger[],
): void {
  if (list) for (const t of list) if (t.since <= at && t.matches(event)) out.push(t);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
