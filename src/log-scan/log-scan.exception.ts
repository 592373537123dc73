import { AppException } from '../common/http/app.exception.js';

export enum LogScanErrorCode {
  RuleNotFound = 'log-rule-not-found',
  RuleNameTaken = 'log-rule-name-taken',
  OverrideTaken = 'log-rule-override-taken',
  InvalidRule = 'log-rule-invalid',
}

export class LogScanException extends AppException {
  static ruleNotFound(id: string) {
    return new LogScanException(
      LogScanErrorCode.RuleNotFound,
      404,
      `no log-scan rule with id ${id}`,
    );
  }
  static nameTaken(name: string, source: string | null) {
    return new LogScanException(
      LogScanErrorCode.RuleNameTaken,
      409,
      source === null
        ? `a global log-scan rule is already named "${name}"`
        : `source "${source}" already has a log-scan rule named "${name}"`,
      { errors: [{ field: 'name', message: 'is already taken in this scope' }] },
    );
  }
  static overrideTaken(source: string, overrides: string) {
    return new LogScanException(
      LogScanErrorCode.OverrideTaken,
      409,
      `source "${source}" already overrides global rule ${overrides}; change that override instead`,
      { errors: [{ field: 'overrides', message: 'this source already overrides that rule' }] },
    );
  }
  /** A 400 naming the field, like a validation error, for checks that need the database. */
  static invalid(field: string, message: string) {
    return new LogScanException(LogScanErrorCode.InvalidRule, 400, `${field}: ${message}`, {
      errors: [{ field, message }],
    });
  }
}
