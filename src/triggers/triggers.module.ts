import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { sealedColumns } from '../common/security/sealed-columns.js';
import { WebhooksModule } from '../webhooks/index.js';
import { FiringRepository } from './firing/firing.repository.js';
import { FiringsService } from './firing/firings.service.js';
import { TriggerCatalog } from './firing/trigger-catalog.js';
import { TriggerMatchConsumer } from './firing/trigger-match.consumer.js';
import { TriggerMetrics } from './metrics/trigger-metrics.js';
import { SilenceEntity } from './silences/silence.entity.js';
import { SilencesController } from './silences/silences.controller.js';
import { SilencesService } from './silences/silences.service.js';
import { TriggerActionSecrets } from './trigger-action.js';
import { TriggerEntity } from './trigger.entity.js';
import { TriggerTestSendService } from './trigger-test-send.service.js';
import { TriggersController } from './triggers.controller.js';
import { TriggersService } from './triggers.service.js';

/**
 * Event triggers: rules that watch the bus and fire signed webhooks through the Webhooks
 * module's delivery targets. No exports: other modules reach triggers through the bus.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, SilenceEntity]), WebhooksModule],
  // Silences first: Express matches `/triggers/silences` before `/triggers/:id`.
  controllers: [SilencesController, TriggersController],
  providers: [
    TriggersService,
    TriggerActionSecrets,
    TriggerTestSendService,
    TriggerCatalog,
    TriggerMatchConsumer,
    FiringRepository,
    FiringsService,
    SilencesService,
    TriggerMetrics,
    // A trigger's action secret, and its sensitive static headers (jsonb map).
    sealedColumns({
      table: 'event_triggers',
      idColumn: 'id',
      columns: ['secret_sealed', 'headers'],
    }),
  ],
})
export class TriggersModule {}
