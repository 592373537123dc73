import { AppException } from '../common/http/app.exception.js';

export enum EventsErrorCode {
  IdempotencyKeyReused = 'idempotency-key-reused',
  IdempotencyKeyInFlight = 'idempotency-key-in-flight',
  TooManyEvents = 'too-many-events',
  ConsumerNotFound = 'consumer-not-found',
}

export class EventsException extends AppException {
  static idempotencyKeyReused() {
    return new EventsException(
      EventsErrorCode.IdempotencyKeyReused,
      409,
      'this Idempotency-Key was already used with a different request body in the last 24 hours',
    );
  }
  static consumerNotFound(name: string) {
    return new EventsException(EventsErrorCode.ConsumerNotFound, 404, `no consumer named ${name}`);
  }
}
