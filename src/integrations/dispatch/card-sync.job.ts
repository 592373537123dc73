import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CARD_SYNC_MAX_IN_FLIGHT, integrationsConfig } from '../../config/integrations.config.js';
import {
  Job,
  JobHandler,
  JobRunner,
  done,
  fail,
  fromConfig,
  JobOutcome,
  reschedule,
  retry,
} from '../../jobs/index.js';
import { CardRepository, CardRow, ProgressColumn } from '../cards/card.repository.js';
import { IntegrationConfigService } from '../integration-config.js';
import { IntegrationEntity } from '../integration.entity.js';
import type { RemoteCall, SyncInput, SyncMark } from '../kinds/connector.js';
import { RemoteFailure } from '../kinds/connector.js';
import { LogRepository } from '../logs/log.repository.js';
import { peerTextFilter } from '../peer-text.js';
import { RemoteCaller } from '../remote-caller.js';
import { CARD_SYNC_QUEUE, CardSyncPayload } from './card-sync.queue.js';

/**
 * Syncs one card's latest projected state to its integration: whatever the events were, a
 * run does what is still missing (create, update, transition, link, comments). The
 * connector talks to the peer and yields a mark per step; this job alone stores them, each
 * as it comes, so a retry or a rerun after a crash repeats nothing that finished. The job
 * layer retries on INTEGRATION_RETRY_SCHEDULE, a timeout included; a rate limit or a lag is
 * a reschedule, not a retry.
 */
@Injectable()
@JobHandler({
  queue: CARD_SYNC_QUEUE,
  perKey: 1,
  maxInFlight: CARD_SYNC_MAX_IN_FLIGHT,
  retry: fromConfig('integrations.retrySchedule'),
})
export class CardSyncJob implements JobRunner<CardSyncPayload> {
  constructor(
    @InjectRepository(IntegrationEntity)
    private readonly integrations: Repository<IntegrationEntity>,
    private readonly cards: CardRepository,
    private readonly configs: IntegrationConfigService,
    private readonly remote: RemoteCaller,
    private readonly logs: LogRepository,
    @Inject(integrationsConfig.KEY)
    private readonly settings: ConfigType<typeof integrationsConfig>,
  ) {}

  async run(job: Job<CardSyncPayload>): Promise<JobOutcome> {
    const { integrationId, cardId } = job.payload;
    const integration = await this.integrations.findOneBy({ id: integrationId });
    if (!integration) return done('integration deleted');
    if (!integration.enabled) return done('integration disabled');
    const card = await this.cards.find(integrationId, cardId);
    if (!card || card.deleted) return done('card deleted');
    const opened = this.configs.open(integration);
    if (opened.error !== null) return retry(`config cannot be opened: ${opened.error}`, 60_000);
    const connector = this.configs.connector(integration.kind);
    const config = connector.withDefaults(opened.config);
    const input: SyncInput = {
      card: { ...card },
      messages: await this.cards.pendingMessages(integrationId, cardId),
      lookupSettleMs: this.settings.timeoutMs + this.settings.searchLagMs,
    };
    const call: RemoteCall = (op, req) => {
      // Shutdown or the job's timeout: stop between calls, the next run resumes.
      if (job.signal.aborted)
        throw new RemoteFailure('sync interrupted (shutdown or timeout)', null);
      return this.remote.call(
        connector,
        config,
        {
          integrationId,
          cardId,
          eventType: op === 'comment' ? 'message.created' : card.lastEventType,
          signal: job.signal,
        },
        op,
        req,
      );
    };
    // Operation errors quote the peer (its transition and status names).
    const clean = peerTextFilter(connector, config);
    const errorBefore = card.lastError;
    try {
      // Each mark is stored before the connector goes on (see SyncMarks).
      for await (const mark of connector.sync(config, input, call))
        await this.store(integrationId, card, mark, clean);
      if (errorBefore && card.lastError === errorBefore)
        await this.cards.progress(integrationId, cardId, { lastError: null });
      return done(card.remoteKey ? `synced ${card.remoteKey}` : 'synced');
    } catch (err) {
      if (!(err instanceof RemoteFailure)) throw err;
      await this.cards.progress(integrationId, cardId, { lastError: err.message });
      if (!err.retryable) return fail(err.message);
      // A rate limit or a lag is no failure: waiting for it spends no retry, so a peer that
      // keeps asking cannot fail the card. The first step of the schedule is the floor, so
      // a peer answering "wait 0 s" forever gets one call per step, not a tight loop.
      if (err.isWait)
        return reschedule(
          new Date(
            Date.now() + Math.max(err.retryAfterMs ?? 0, this.settings.retrySchedule[0] ?? 1000),
          ),
          err.message,
        );
      return retry(err.message, err.retryAfterMs);
    }
  }

  /** Writes one mark of the sync, and keeps `card` (the job's copy) in step with the row. */
  private async store(
    integrationId: string,
    card: CardRow,
    mark: SyncMark,
    clean: (text: string) => string,
  ): Promise<void> {
    const set = async (values: Partial<Record<ProgressColumn, unknown>>) => {
      Object.assign(card, values);
      await this.cards.progress(integrationId, card.cardId, values);
    };
    switch (mark.mark) {
      case 'createAttempted':
        return set({ createAttemptedAt: new Date() });
      case 'createRefused':
        return set({ createAttemptedAt: null });
      case 'linked':
        return set({ remoteKey: mark.remoteKey, remoteId: mark.remoteId });
      case 'fieldsSynced':
        return set({ syncedFieldsHash: mark.hash });
      case 'columnSynced':
        return set({ syncedColumn: mark.column });
      case 'urlSynced':
        return set({ syncedUrl: mark.url });
      case 'commentAttempted':
        return this.cards.commentAttempted(integrationId, mark.messageId);
      case 'commentPosted':
        return this.cards.commentPosted(integrationId, mark.messageId, mark.remoteCommentId);
      case 'operationError': {
        const message = clean(mark.message);
        await this.logs.add({
          integrationId,
          eventType: card.lastEventType,
          cardId: card.cardId,
          operation: mark.operation,
          httpStatus: null,
          durationMs: null,
          error: message,
        });
        return set({ lastError: message });
      }
    }
  }
}
