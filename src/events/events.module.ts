import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ArtifactsModule } from '../artifacts/index.js';
import { EventActivityService } from './activity/event-activity.service.js';
import { ConsumerStateRepository } from './consumers/consumer-state.repository.js';
import { ConsumerMetrics } from './consumers/consumer-metrics.js';
import { EventConsumersService } from './consumers/event-consumers.service.js';
import { EventBus } from './event-bus.js';
import { EventLogIdentity } from './event-log-identity.js';
import { EventLogRepository } from './event-log.repository.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { IdempotencyPruneJob } from './idempotency-prune.job.js';
import { IdempotencyService } from './idempotency.service.js';

/**
 * The event bus. Public surface: EventBus (publish) and EventConsumersService
 * (registerConsumer); consumers are otherwise declared with @EventConsumer.
 * EventActivityService: read-only figures for the operator console.
 */
@Global()
@Module({
  imports: [DiscoveryModule, ArtifactsModule],
  controllers: [EventsController],
  providers: [
    EventBus,
    EventLogRepository,
    EventLogIdentity,
    ConsumerStateRepository,
    EventConsumersService,
    ConsumerMetrics,
    IdempotencyService,
    EventsService,
    IdempotencyPruneJob,
    EventActivityService,
  ],
  exports: [EventBus, EventConsumersService, EventActivityService],
})
export class EventsModule {}
