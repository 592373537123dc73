import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, HUB_EVENTS, type HubEvent } from '../../events/index.js';
import { DeliveryService } from '../../webhooks/index.js';
import type { SilenceEntity } from '../silences/silence.entity.js';
import { compileSilence, silencing } from '../silences/silence-matcher.js';
import { AfterCommit } from '../../database/after-commit.js';
import { emptyTally, MatchTally, TriggerMetrics } from '../metrics/trigger-metrics.js';
import { TRIGGERS_OWNER } from '../triggers.service.js';
import { FiringInsert, FiringRepository } from './firing.repository.js';
import { TriggerCatalog } from './trigger-catalog.js';
import { payloadEvent, TRIGGER_EVENT_TYPE, triggerPayloadFields } from './trigger-payload.js';
import { CompiledTrigger, groupKey } from './trigger-set.js';

/** DeliveryService's refusal of a disabled target (its documented error code). */
const TARGET_DISABLED = 'webhook-target-disabled';
/** Longest matching holds the event loop before it yields, between two events. */
const MATCH_SLICE_MS = 20;
/** Matching one event for longer than this is counted (`trigger_slow_matches_total`). */
export const SLOW_MATCH_MS = 100;

/**
 * Evaluates every enabled trigger against each event and writes firing rows and delivery
 * rows in the transaction that advances this consumer's cursor (rows only: the Webhooks
 * pipeline makes the requests). Events a trigger delivery caused never match (see
 * `TriggerSet.causedByTrigger`); events with the triggers' own origin never arrive.
 */
@Injectable()
@EventConsumer({ name: 'event-triggers.match', batchSize: 500, ignoreOrigins: [TRIGGERS_OWNER] })
export class TriggerMatchConsumer implements EventHandler {
  constructor(
    private readonly catalog: TriggerCatalog,
    private readonly firings: FiringRepository,
    private readonly deliveries: DeliveryService,
    private readonly metrics: TriggerMetrics,
    private readonly afterCommit: AfterCommit,
  ) {}

  async handle(events: HubEvent[], m: EntityManager): Promise<void> {
    const tally = emptyTally();
    await this.evaluate(events, m, tally);
    // Last, once every write succeeded: a batch the bus rolls back and replays counts once.
    this.afterCommit.run(m, () => this.metrics.recordBatch(tally));
  }

  private async evaluate(events: HubEvent[], m: EntityManager, tally: MatchTally): Promise<void> {
    const set = await this.catalog.current(m);
    if (set.size === 0) {
      tally.evaluated = events.length;
      return;
    }
    const matched: { event: HubEvent; trigger: CompiledTrigger; group: string }[] = [];
    let sliceStart = performance.now();
    for (const event of events) {
      // Regexes read at most 16 KiB of a value and are size-limited, but a batch of 500 events
      // against many regex triggers can still add up: other requests get the loop between events.
      if (performance.now() - sliceStart >= MATCH_SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
      if (set.causedByTrigger(event)) {
        if (await this.noteExhausted(event, m)) tally.deliveryFailures++;
        continue;
      }
      tally.evaluated++;
      const started = performance.now();
      for (const trigger of set.matching(event))
        matched.push({ event, trigger, group: groupKey(trigger.groupBy, event) });
      const took = performance.now() - started;
      this.metrics.matchSeconds.observe(took / 1000);
      if (took > SLOW_MATCH_MS) tally.slowMatches++;
    }
    tally.matches = matched.length;
    if (matched.length === 0) return;

    const oldest = new Date(Math.min(...matched.map((x) => new Date(x.event.createdAt).getTime())));
    const silences = (await unexpiredSilences(m, oldest)).map(compileSilence);
    const clock = await this.firings.lastFired(
      m,
      matched
        .filter((x) => x.trigger.repeatIntervalMs > 0)
        .map((x) => ({ triggerId: x.trigger.id, groupKey: x.group })),
    );
    const rows: FiringInsert[] = [];
    const toFire: { row: number; trigger: CompiledTrigger; event: HubEvent }[] = [];
    const fired = new Map<string, { triggerId: string; groupKey: string; at: Date }>();
    for (const { event, trigger, group } of matched) {
      const base = {
        triggerId: trigger.id,
        eventId: event.id,
        eventType: event.type,
        groupKey: group,
        deliveryId: null,
        silenceId: null,
        error: null,
      };
      const silence = silencing(silences, trigger.name, event);
      if (silence) {
        rows.push({ ...base, outcome: 'silenced', silenceId: silence.id });
        continue;
      }
      // The repeat interval runs on the bus's clock (when the event was logged), so a
      // replayed backlog is spaced as it was published, not as fast as it is read.
      const at = new Date(event.createdAt);
      const key = `${trigger.id} ${group}`;
      const last = clock.get(key);
      if (
        trigger.repeatIntervalMs > 0 &&
        last !== undefined &&
        at.getTime() - last < trigger.repeatIntervalMs
      ) {
        rows.push({ ...base, outcome: 'suppressed' });
        continue;
      }
      toFire.push({ row: rows.length, trigger, event });
      rows.push({ ...base, outcome: 'fired' });
      if (trigger.repeatIntervalMs > 0) {
        clock.set(key, at.getTime());
        fired.set(key, { triggerId: trigger.id, groupKey: group, at });
      }
    }
    await this.deliver(toFire, rows, m);
    for (const row of rows) tally.firings[row.outcome]++;
    await this.firings.insertMany(m, rows);
    await this.firings.setLastFired(m, [...fired.values()]);
  }

  /** One delivery per firing, all in one insert; a disabled target makes its firings undeliverable. */
  private async deliver(
    toFire: { row: number; trigger: CompiledTrigger; event: HubEvent }[],
    rows: FiringInsert[],
    m: EntityManager,
  ): Promise<void> {
    if (toFire.length === 0) return;
    const results = await this.deliveries.enqueueMany(
      toFire.map(({ trigger, event }) => ({
        targetId: trigger.targetId,
        message: {
          eventType: TRIGGER_EVENT_TYPE,
          fields: triggerPayloadFields(trigger, payloadEvent(event)),
        },
        options: { correlationId: `${trigger.id}:${event.id}`, origin: TRIGGERS_OWNER },
      })),
      m,
    );
    toFire.forEach(({ row }, k) => {
      const result = results[k];
      if (typeof result === 'string') rows[row].deliveryId = result;
      // A target the receiver disabled (410 Gone, a long failure streak): recorded, not retried.
      else if (result.code === TARGET_DISABLED)
        Object.assign(rows[row], { outcome: 'undeliverable', error: result.message });
      else throw result;
    });
  }

  /** A trigger's delivery failed for good: its firing shows it (history, stats). */
  private async noteExhausted(event: HubEvent, m: EntityManager): Promise<boolean> {
    if (event.type !== HUB_EVENTS.webhookDeliveryExhausted) return false;
    const { deliveryId, lastError } = event.data as { deliveryId?: unknown; lastError?: unknown };
    if (typeof deliveryId !== 'string') return false;
    await this.firings.markDeliveryFailed(
      m,
      deliveryId,
      typeof lastError === 'string' ? lastError : null,
    );
    return true;
  }
}

/** Silences that have not ended: each matched event's time is checked against them. */
function unexpiredSilences(
  m: EntityManager,
  at: Date,
): Promise<Pick<SilenceEntity, 'id' | 'matchers' | 'startsAt' | 'endsAt'>[]> {
  // Raw: read on every bus batch with a match (the matching hot path), four columns, no mapping.
  return m.query(
    `SELECT id, matchers, starts_at AS "startsAt", ends_at AS "endsAt"
     FROM event_trigger_silences WHERE ends_at > $1`,
    [at],
  );
}
