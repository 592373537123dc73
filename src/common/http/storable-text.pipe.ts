import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { storableProblem } from './storable-text.js';
import { ValidationFailedException } from './validation.js';

/**
 * Path parameters and query strings: the same storable-text rule the body parser applies to
 * bodies (`/members/x%00y` names `userId`). A global pipe rather than a middleware because
 * only here is the parameter's name known. Bodies are checked at parse time.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' && metadata.type !== 'query') return value;
    const problem = storableProblem(value, metadata.data ?? '');
    if (problem) throw new ValidationFailedException([problem]);
    return value;
  }
}
