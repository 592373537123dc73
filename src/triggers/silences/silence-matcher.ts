import type { HubEvent } from '../../events/index.js';
import { compileFilter, EventPredicate } from '../matching/trigger-filter.js';
import type { SilenceEntity } from './silence.entity.js';

export interface CompiledSilence {
  id: string;
  startsAt: number;
  endsAt: number;
  /** The trigger names it is limited to (its `trigger` matchers), checked per trigger. */
  trigger: ((name: string) => boolean) | null;
  matches: EventPredicate;
}

/** A silence's event matchers compiled like a trigger's; its `trigger` matchers apart. */
export function compileSilence(
  row: Pick<SilenceEntity, 'id' | 'matchers' | 'startsAt' | 'endsAt'>,
): CompiledSilence {
  const triggerMatchers = row.matchers.filter((m) => m.label === 'trigger');
  const eventMatchers = row.matchers.filter((m) => m.label !== 'trigger');
  // The trigger's name stands in for the `type` label so the same operators apply to it.
  const byName = triggerMatchers.length
    ? compileFilter({
        matchers: triggerMatchers.map((m) => ({ ...m, label: 'type' })),
        filter: {},
      })
    : null;
  return {
    id: row.id,
    startsAt: new Date(row.startsAt).getTime(),
    endsAt: new Date(row.endsAt).getTime(),
    trigger: byName
      ? (name) =>
          byName({
            type: name,
            source: '',
            subject: null,
            origin: null,
            severity: 'info',
            data: {},
          })
      : null,
    matches: compileFilter({ matchers: eventMatchers, filter: {} }),
  };
}

/** The first silence in effect at the event's time that covers this trigger and event. */
export function silencing(
  silences: CompiledSilence[],
  triggerName: string,
  event: HubEvent,
): CompiledSilence | undefined {
  const at = new Date(event.createdAt).getTime();
  return silences.find(
    (s) =>
      s.startsAt <= at &&
      at < s.endsAt &&
      (s.trigger === null || s.trigger(triggerName)) &&
      s.matches(event),
  );
}
