import { AppException } from '../common/http/app.exception.js';

export enum TriggersErrorCode {
  TriggerNotFound = 'trigger-not-found',
  NameTaken = 'trigger-name-taken',
  SilenceNotFound = 'trigger-silence-not-found',
}

export class TriggersException extends AppException {
  static notFound(id: string) {
    return new TriggersException(
      TriggersErrorCode.TriggerNotFound,
      404,
      `no trigger with id ${id}`,
    );
  }
  static nameTaken(name: string) {
    return new TriggersException(
      TriggersErrorCode.NameTaken,
      409,
      `a trigger named ${JSON.stringify(name)} exists already`,
      { errors: [{ field: 'name', message: 'is taken by another trigger' }] },
    );
  }
  static silenceNotFound(id: string) {
    return new TriggersException(
      TriggersErrorCode.SilenceNotFound,
      404,
      `no silence with id ${id}`,
    );
  }
}
