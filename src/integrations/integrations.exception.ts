import { AppException } from '../common/http/app.exception.js';
import type { FieldErrorDto } from '../common/http/problem.js';

export enum IntegrationsErrorCode {
  NotFound = 'integration-not-found',
  CardNotFound = 'integration-card-not-found',
  InvalidConfig = 'integration-invalid-config',
  ConfigUnreadable = 'integration-config-unreadable',
}

export class IntegrationsException extends AppException {
  static notFound(id: string) {
    return new IntegrationsException(
      IntegrationsErrorCode.NotFound,
      404,
      `no integration with id ${id}`,
    );
  }
  /** `cutoff`: why the card was left out, when the integration's log still says. */
  static cardNotFound(id: string, cardId: string, cutoff?: string) {
    return new IntegrationsException(
      IntegrationsErrorCode.CardNotFound,
      404,
      cutoff ??
        `integration ${id} has seen no card ${cardId}: it sees cards through card events ` +
          `(subject: the card id) that match its eventFilter, that do not carry its opt-out ` +
          `tag, and for cards created after the integration`,
      { reason: cutoff ? 'before-cutoff' : 'not-seen' },
    );
  }
  static invalidConfig(errors: FieldErrorDto[]) {
    return new IntegrationsException(
      IntegrationsErrorCode.InvalidConfig,
      400,
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }
  static configUnreadable(id: string, reason: string) {
    return new IntegrationsException(
      IntegrationsErrorCode.ConfigUnreadable,
      409,
      `the config of integration ${id} cannot be opened (${reason}); send the whole config again, or restore the SECRET_KEY it was sealed with`,
      { errors: [{ field: 'config', message: reason }] },
    );
  }
}
