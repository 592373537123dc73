import { AppException } from '../common/http/app.exception.js';

export enum WebhooksErrorCode {
  EndpointNotFound = 'webhook-endpoint-not-found',
  DeliveryNotFound = 'webhook-delivery-not-found',
  InvalidReplay = 'webhook-invalid-replay',
  PayloadTokenInvalid = 'webhook-payload-token-invalid',
  TargetNotFound = 'webhook-target-not-found',
  TargetDisabled = 'webhook-target-disabled',
  PayloadTokenExpired = 'webhook-payload-token-expired',
  MessageNotFound = 'webhook-message-not-found',
}

export class WebhooksException extends AppException {
  static endpointNotFound(id: string) {
    return new WebhooksException(
      WebhooksErrorCode.EndpointNotFound,
      404,
      `no webhook endpoint with id ${id}`,
    );
  }
  static deliveryNotFound(id: string) {
    return new WebhooksException(
      WebhooksErrorCode.DeliveryNotFound,
      404,
      `no webhook delivery with id ${id}`,
    );
  }
  static invalidReplay(detail: string) {
    return new WebhooksException(WebhooksErrorCode.InvalidReplay, 400, detail, {
      errors: [{ field: 'since', message: detail }],
    });
  }
  static payloadToken(verdict: 'expired' | 'invalid') {
    return verdict === 'expired'
      ? new WebhooksException(
          WebhooksErrorCode.PayloadTokenExpired,
          403,
          'this payload link has expired; the next attempt of the delivery carries a fresh one',
        )
      : new WebhooksException(
          WebhooksErrorCode.PayloadTokenInvalid,
          403,
          'the token is not valid for this delivery',
        );
  }
  static messageNotFound(id: string) {
    return new WebhooksException(
      WebhooksErrorCode.MessageNotFound,
      404,
      `no webhook message with id ${id}`,
    );
  }
  static targetNotFound(id: string) {
    return new WebhooksException(WebhooksErrorCode.TargetNotFound, 404, `no delivery target ${id}`);
  }
  static targetDisabled(t: { owner: string; targetKey: string; disabledReason: string | null }) {
    return new WebhooksException(
      WebhooksErrorCode.TargetDisabled,
      409,
      `delivery target ${t.owner}/${t.targetKey} is disabled (${t.disabledReason ?? 'no reason recorded'}); enable it or register it again`,
    );
  }
}
