/**
 * The webhooks module's public surface for other modules: DeliveryService, through which a
 * module registers its delivery targets and sends signed webhooks on the one delivery
 * pipeline (never by writing webhook tables), and the signature options endpoints take, so
 * a module's targets are configured the same way. Import from here, not from the files
 * behind it.
 */
export { WebhooksModule } from './webhooks.module.js';
export {
  DeliveryService,
  type Checked,
  type EnqueueOptions,
  type Target,
  type TargetMessage,
  type TargetSpec,
} from './targets/delivery.service.js';
export {
  WebhookActivityService,
  type AttemptSeries,
  type EndpointHealthSeries,
  type FailingEndpoint,
} from './activity/webhook-activity.service.js';
export { SignatureDto, SignatureProperty } from './endpoints/dto/endpoint-signature.dto.js';
export {
  DEFAULT_SIGNATURE,
  resolveSignature,
  SIGNATURE_SCHEMES,
  type EndpointSignature,
  type SignatureScheme,
} from './signature.js';
