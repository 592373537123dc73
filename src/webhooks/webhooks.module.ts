import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactsModule } from '../artifacts/index.js';
import { sealedColumns } from '../common/security/sealed-columns.js';
import { WebhookActivityRepository } from './activity/webhook-activity.repository.js';
import { WebhookActivityService } from './activity/webhook-activity.service.js';
import { DeliveriesController } from './deliveries/deliveries.controller.js';
import { DeliveriesService } from './deliveries/deliveries.service.js';
import { DeliveryEvents } from './deliveries/delivery-events.js';
import { DeliveryHistoryRepository } from './deliveries/delivery-history.repository.js';
import { DeliveryInsertRepository } from './deliveries/delivery-inserts.repository.js';
import { DeliveryQueue } from './deliveries/delivery.queue.js';
import { DeliveryQueueRepository } from './deliveries/delivery-queue.repository.js';
import { DeliverySender } from './deliveries/delivery-sender.js';
import { DeliverySettler } from './deliveries/delivery-settler.js';
import { EndpointHealth } from './deliveries/endpoint-health.js';
import { EndpointSecretCache } from './deliveries/endpoint-secret-cache.js';
import { TestSendService } from './deliveries/test-send.service.js';
import { DeliveryTargetRepository } from './targets/delivery-target.repository.js';
import { DeliveryService } from './targets/delivery.service.js';
import { FanOutConsumer } from './deliveries/fan-out.consumer.js';
import { SuccessBatcher } from './deliveries/success-batcher.js';
import { WebhookMetrics } from './deliveries/webhook-metrics.js';
import { DeliveryArtifactsLoader } from './payloads/delivery-artifacts.js';
import { PayloadLinks } from './payloads/payload-links.service.js';
import { PayloadsController } from './payloads/payloads.controller.js';
import { PayloadsService } from './payloads/payloads.service.js';
import { EndpointEntity } from './endpoints/endpoint.entity.js';
import { EndpointService } from './endpoints/endpoint.service.js';
import { EndpointsController } from './endpoints/endpoints.controller.js';
import { MessageEntity } from './messages/message.entity.js';
import { MessageRepository } from './messages/message.repository.js';
import { MessagesController } from './messages/messages.controller.js';
import { MessagesService } from './messages/messages.service.js';

/**
 * Webhooks: endpoints subscribe to event types; every matching event becomes a signed,
 * retried, logged delivery. Messages (per-job callbacks) are single deliveries to a URL the
 * caller names, on the same pipeline. Public surface: DeliveryService (targets other modules register
 * when a rule is saved, and enqueue to when it fires) and WebhookActivityService (read-only
 * figures for the operator console).
 */
@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity, MessageEntity]), ArtifactsModule],
  controllers: [EndpointsController, DeliveriesController, MessagesController, PayloadsController],
  providers: [
    EndpointService,
    DeliveriesService,
    DeliveryInsertRepository,
    DeliveryQueueRepository,
    DeliveryHistoryRepository,
    EndpointSecretCache,
    DeliverySender,
    DeliverySettler,
    EndpointHealth,
    DeliveryEvents,
    TestSendService,
    DeliveryService,
    DeliveryTargetRepository,
    DeliveryQueue,
    FanOutConsumer,
    WebhookMetrics,
    SuccessBatcher,
    PayloadLinks,
    DeliveryArtifactsLoader,
    PayloadsService,
    MessagesService,
    MessageRepository,
    WebhookActivityRepository,
    WebhookActivityService,
    // Signing secrets (jsonb array of { sealed }) and sensitive static headers (jsonb map);
    // module-owned delivery targets live in the same table.
    sealedColumns({ table: 'webhook_endpoints', idColumn: 'id', columns: ['secrets', 'headers'] }),
    // Each per-job callback's own signing secret.
    sealedColumns({ table: 'webhook_messages', idColumn: 'id', columns: ['secrets'] }),
  ],
  exports: [DeliveryService, WebhookActivityService],
})
export class WebhooksModule {}
