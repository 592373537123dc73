import { PipeTransform } from '@nestjs/common';
import { textProblem } from '../../common/http/storable-text.js';
import { ValidationFailedException } from '../../common/http/validation.js';
import { MAX_SOURCE_LENGTH } from './log-batch.js';

/** A source name in a path: what POST /logs would accept. */
export class SourceParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const problem =
      value.length < 1 || value.length > MAX_SOURCE_LENGTH
        ? `must be 1 to ${MAX_SOURCE_LENGTH} characters`
        : textProblem(value);
    if (problem) throw new ValidationFailedException([{ field: 'source', message: problem }]);
    return value;
  }
}
