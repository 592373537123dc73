import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { sealedColumns } from '../common/security/sealed-columns.js';
import { CardRepository } from './cards/card.repository.js';
import { CardBirthsRepository } from './cards/card-births.repository.js';
import { IntegrationCardsService } from './cards/integration-cards.service.js';
import { CardSyncJob } from './dispatch/card-sync.job.js';
import { DispatchConsumer } from './dispatch/dispatch.consumer.js';
import { IntegrationConfigService } from './integration-config.js';
import { IntegrationEntity } from './integration.entity.js';
import { IntegrationsController } from './integrations.controller.js';
import { IntegrationsService } from './integrations.service.js';
import { FailingIntegrationsService } from './logs/failing-integrations.service.js';
import { LogRepository } from './logs/log.repository.js';
import { RemoteCaller } from './remote-caller.js';

/**
 * Integrations: work-item events (cards, messages) kept in step with Jira (and other kinds
 * under kinds/) through a card projection and durable per-card jobs. Other modules reach it
 * through the bus; it exports only FailingIntegrationsService, a read for the operator console.
 */
@Module({
  imports: [TypeOrmModule.forFeature([IntegrationEntity])],
  controllers: [IntegrationsController],
  providers: [
    IntegrationsService,
    IntegrationCardsService,
    IntegrationConfigService,
    CardRepository,
    CardBirthsRepository,
    LogRepository,
    FailingIntegrationsService,
    RemoteCaller,
    DispatchConsumer,
    CardSyncJob,
    sealedColumns({ table: 'integrations', idColumn: 'id', columns: ['config_sealed'] }),
  ],
  exports: [FailingIntegrationsService],
})
export class IntegrationsModule {}
