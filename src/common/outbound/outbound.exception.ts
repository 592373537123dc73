import { AppException } from '../http/app.exception.js';

export enum OutboundErrorCode {
  UrlNotAllowed = 'url-not-allowed',
}

export class OutboundException extends AppException {
  static urlNotAllowed(field: string, reason: string) {
    return new OutboundException(OutboundErrorCode.UrlNotAllowed, 422, `${field}: ${reason}`, {
      errors: [{ field, message: reason }],
    });
  }
}

/** A failed outbound request (network, timeout, refused address), with a message for logs. */
export class OutboundRequestError extends Error {}
