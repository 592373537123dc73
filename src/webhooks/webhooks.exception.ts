import { AppException } from '../common/http/app.exception.js';

export enum WebhooksErrorCode {
  EndpointNotFound = 'webhook-endpoint-not-found',
  DeliveryNotFound = 'webhook-delivery-not-found',
  InvalidReplay = 'webhook-invalid-replay',
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
}
