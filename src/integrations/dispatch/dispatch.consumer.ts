import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventConsumer, EventHandler, type HubEvent } from '../../events/index.js';
import { JobsService } from '../../jobs/index.js';
import { CardRepository } from '../cards/card.repository.js';
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
    private readonly configs: IntegrationConfigService,
    private readonly jobs: JobsService,
    private readonly logs: LogRepository,
  ) {}

  async handle(events: HubEvent[], m: EntityManager): Promise<void> {
    const targets = await this.targets(m);
    if (!targets.length) return;
    for (const event of events) {
      if (!event.subject || event.type === BOARD_INVALIDATED) continue;
      for (const t of targets)
        if (filterMatches(t.eventFilter, event.type)) await this.apply(m, t, event, event.subject);
    }
  }

  private async apply(m: EntityManager, t: Target, event: HubEvent, cardId: string): Promise<void> {
    const existing = await this.cards.find(t.id, cardId, m);
    if (event.type === MESSAGE_CREATED) {
      const message = messageOf(event);
      // A message on a card this integration does not sync (opted out, before the cutoff,
      // never seen) has nowhere to go; on a known card it waits for the link.
      if (!message || !existing || existing.deleted || hasTag(existing.tags, t.optOutTag)) return;
      await this.cards.addMessage(m, t.id, cardId, message);
      return this.enqueue(m, t, cardId, event);
    }
    const fields = cardFields(event);
    const tags = fields.tags ?? existing?.tags ?? [];
    if (hasTag(tags, t.optOutTag)) {
      if (existing) await this.cards.upsert(m, t.id, cardId, event.type, fields);
      return;
    }
    if (!existing) {
      // The creation cutoff: cards older than the integration are not back-filled.
      const createdAt = fields.createdAt ?? event.occurredAt;
      if (event.type === 'card.deleted') return;
      if (createdAt < t.createdAt) return this.leaveOut(m, t, cardId, event, createdAt);
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
    createdAt: Date,
  ): Promise<void> {
    const message =
      `card ${cardId} was created at ${createdAt.toISOString()}, before integration ${t.id} ` +
      `(created ${t.createdAt.toISOString()}), so it is not synced: the creation cutoff leaves ` +
      `out cards older than the integration`;
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
