import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, type HubEvent } from '../../events/index.js';
import { JobsService } from '../../jobs/index.js';
import { CardFields, CardRepository } from '../cards/card.repository.js';
import { CardBirthsRepository } from '../cards/card-births.repository.js';
import { IntegrationConfigService } from '../integration-config.js';
import { IntegrationEntity } from '../integration.entity.js';
import { LogRepository } from '../logs/log.repository.js';
import { CARD_SYNC_QUEUE, cardJobKey } from './card-sync.queue.js';
import {
  BOARD_INVALIDATED,
  cardFields,
  filterMatches,
  hasTag,
  MESSAGE_CREATED,
  messageOf,
  WORK_ITEM_EVENT_TYPES,
} from './work-item-event.js';

interface Target {
  id: string;
  createdAt: Date;
  eventFilter: string[];
  optOutTag: string;
}

/**
 * Work-item events to rows, in the transaction that advances this consumer's cursor: the
 * card projection, the message waiting to become a comment, and one job per (integration,
 * card) whose dedupe key merges a burst into one sync. No network here (jobs do that).
 * Every event that says when its card was created is remembered (with or without
 * integrations): the creation cutoff reads it (see {@link cardCreatedAt}).
 */
@Injectable()
@EventConsumer({
  name: 'integrations.dispatch',
  batchSize: 200,
  startFrom: 'now',
  types: WORK_ITEM_EVENT_TYPES,
})
export class DispatchConsumer implements EventHandler {
  private readonly logger = new Logger('IntegrationsDispatch');

  constructor(
    private readonly cards: CardRepository,
    private readonly births: CardBirthsRepository,
    private readonly configs: IntegrationConfigService,
    private readonly jobs: JobsService,
    private readonly logs: LogRepository,
  ) {}

  async handle(events: HubEvent[], m: EntityManager): Promise<void> {
    const cardIds = events.filter((e) => e.type !== BOARD_INVALIDATED).map((e) => e.subject);
    const known = await this.births.createdAt(m, [
      ...new Set(cardIds.filter((id): id is string => !!id)),
    ]);
    const born = new Map<string, Date>();
    const deleted = new Set<string>();
    const targets = await this.targets(m);
    const repushed = new Set<string>();
    for (const event of events) {
      if (event.type === BOARD_INVALIDATED) {
        for (const t of targets)
          if (filterMatches(t.eventFilter, event.type) && !repushed.has(t.id)) {
            repushed.add(t.id);
            await this.repushLinked(m, t, event);
          }
        continue;
      }
      const cardId = event.subject;
      if (!cardId) continue;
      const fields = event.type === MESSAGE_CREATED ? undefined : cardFields(event);
      for (const t of targets)
        if (filterMatches(t.eventFilter, event.type))
          await this.apply(m, t, event, cardId, fields, known.get(cardId));
      if (event.type === 'card.deleted') {
        deleted.add(cardId);
        known.delete(cardId);
        born.delete(cardId);
        continue;
      }
      const told = fields && birthOf(event, fields);
      if (told) {
        const at = earliest(known.get(cardId), told);
        known.set(cardId, at);
        born.set(cardId, at);
        deleted.delete(cardId);
      }
    }
    await this.births.save(m, born, deleted);
  }

  /**
   * `board.invalidated`, as the seed handles it: each card this integration has linked to an
   * issue (not deleted, not opted out) gets its title and description sent again, through its
   * own job (the fields' sync mark is cleared, so the job sends them even if unchanged).
   */
  private async repushLinked(m: EntityManager, t: Target, event: HubEvent): Promise<void> {
    for (const cardId of await this.cards.markFieldsForRepush(m, t.id, t.optOutTag, event.type))
      await this.enqueue(m, t, cardId, event);
  }

  private async apply(
    m: EntityManager,
    t: Target,
    event: HubEvent,
    cardId: string,
    fields: CardFields | undefined,
    knownCreatedAt: Date | undefined,
  ): Promise<void> {
    const existing = await this.cards.find(t.id, cardId, m);
    if (!fields) {
      const message = messageOf(event);
      // A message on a card this integration does not sync (opted out, before the cutoff,
      // never seen) has nowhere to go; on a known card it waits for the link.
      if (!message || !existing || existing.deleted || hasTag(existing.tags, t.optOutTag)) return;
      await this.cards.addMessage(m, t.id, cardId, message);
      return this.enqueue(m, t, cardId, event);
    }
    const tags = fields.tags ?? existing?.tags ?? [];
    if (hasTag(tags, t.optOutTag)) {
      if (existing) await this.cards.upsert(m, t.id, cardId, event.type, fields);
      return;
    }
    if (!existing) {
      if (event.type === 'card.deleted') return;
      const createdAt = cardCreatedAt(event, fields, knownCreatedAt);
      if (createdAt === undefined || createdAt < t.createdAt)
        return this.leaveOut(m, t, cardId, event, createdAt);
    }
    await this.cards.upsert(m, t.id, cardId, event.type, fields);
    if (event.type !== 'card.deleted') await this.enqueue(m, t, cardId, event);
  }

  /** A card the cutoff leaves out gets one log row, which the card view's 404 quotes. */
  private leaveOut(
    m: EntityManager,
    t: Target,
    cardId: string,
    event: HubEvent,
    createdAt: Date | undefined,
  ): Promise<void> {
    const integration = `integration ${t.id} (created ${t.createdAt.toISOString()})`;
    const message =
      (createdAt
        ? `card ${cardId} was created at ${createdAt.toISOString()}, before ${integration}, so it is not synced`
        : `card ${cardId} was never announced to the hub (no card.created, no data.createdAt) before this ${event.type}, so it counts as older than ${integration} and is not synced`) +
      ': the creation cutoff leaves out cards older than the integration';
    return this.logs.addCutoff(m, { integrationId: t.id, cardId, eventType: event.type, message });
  }

  private async enqueue(
    m: EntityManager,
    t: Target,
    cardId: string,
    event: HubEvent,
  ): Promise<void> {
    const key = cardJobKey(t.id, cardId);
    await this.jobs.enqueue(
      CARD_SYNC_QUEUE,
      { integrationId: t.id, cardId },
      { key, dedupeKey: key, correlationId: event.id },
      m,
    );
  }

  private async targets(m: EntityManager): Promise<Target[]> {
    const rows = await m.find(IntegrationEntity, { where: { enabled: true } });
    const out: Target[] = [];
    for (const row of rows) {
      const opened = this.configs.open(row);
      if (opened.error !== null) {
        this.logger.warn(
          `integration ${row.id} skipped: its config cannot be opened (${opened.error})`,
        );
        continue;
      }
      out.push({
        id: row.id,
        createdAt: row.createdAt,
        eventFilter: row.eventFilter,
        optOutTag: String(opened.config.optOutTag ?? 'nojira'),
      });
    }
    return out;
  }
}

/**
 * The creation cutoff, for a card the integration has not projected: no back-fill of cards
 * older than the integration. The card's creation time is the event's `data.createdAt`, else
 * the one the hub was told earlier (an earlier event's `data.createdAt` or `card.created`),
 * else, for `card.created`, when it happened. Undefined: the hub was never told of its
 * creation (an update, move or message about a card it has not heard created), so the card
 * existed before it was first mentioned, for how long is unknown: it is treated as older than
 * the integration.
 */
function cardCreatedAt(
  event: HubEvent,
  fields: CardFields,
  knownCreatedAt: Date | undefined,
): Date | undefined {
  return fields.createdAt ?? knownCreatedAt ?? birthOf(event, fields);
}

/**
 * When the event says its card was created: its `data.createdAt`, or for `card.created` when
 * that happened. An update, move or message without `data.createdAt` says nothing about it:
 * the card existed before, for how long is unknown.
 */
function birthOf(event: HubEvent, fields: CardFields): Date | undefined {
  if (fields.createdAt) return fields.createdAt;
  return event.type === 'card.created' ? new Date(event.occurredAt) : undefined;
}

function earliest(a: Date | undefined, b: Date): Date {
  return a !== undefined && a.getTime() <= b.getTime() ? a : b;
}
