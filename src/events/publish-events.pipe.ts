import { Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { detachFreeForm } from '../common/http/free-form-json.js';
import { FieldErrorDto } from '../common/http/problem.js';
import { flattenValidationErrors, ValidationFailedException } from '../common/http/validation.js';
import { PublishEventDto } from './dto/publish-event.dto.js';

export const MAX_EVENTS_PER_REQUEST = 500;

/**
 * POST /events takes one event or an array of them; the global ValidationPipe cannot
 * validate a top-level array, so this pipe does, naming each error by index (`[3].type`).
 */
@Injectable()
export class PublishEventsPipe implements PipeTransform<unknown, Promise<PublishEventDto[]>> {
  async transform(body: unknown): Promise<PublishEventDto[]> {
    const isBatch = Array.isArray(body);
    const items: unknown[] = isBatch ? body : [body];
    if (isBatch && (items.length === 0 || items.length > MAX_EVENTS_PER_REQUEST)) {
      throw new ValidationFailedException([
        {
          field: 'body',
          message: `must contain 1 to ${MAX_EVENTS_PER_REQUEST} events (got ${items.length})`,
        },
      ]);
    }
    const errors: FieldErrorDto[] = [];
    const dtos: PublishEventDto[] = [];
    for (const [i, item] of items.entries()) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        errors.push({ field: isBatch ? `[${i}]` : 'body', message: 'must be an event object' });
        continue;
      }
      const prefix = isBatch ? `[${i}]` : '';
      const freeForm = detachFreeForm(PublishEventDto, item, prefix);
      const dto = plainToInstance(PublishEventDto, freeForm.rest);
      const found = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
      errors.push(...flattenValidationErrors(found, prefix), ...freeForm.errors);
      dtos.push(freeForm.attach(dto));
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return dtos;
  }
}
