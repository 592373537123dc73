import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { detachFreeForm } from './free-form-json.js';
import { FieldErrorDto } from './problem.js';

/** Carries field-level errors to the problem filter. */
export class ValidationFailedException extends BadRequestException {
  constructor(public readonly errors: FieldErrorDto[]) {
    super('Validation failed');
  }
}

// A private-use character: never in a message of our own or class-validator's.
const MEMBER = /^\ue000([^\ue000]*)\ue000([\s\S]*)$/;

/**
 * A custom validator's message about one member of a map-like property, so the error names
 * it (`headers.x-tenant`) rather than the whole property.
 */
export function memberMessage(member: string, message: string): string {
  return `\ue000${member}\ue000${message}`;
}

/** Flattens nested class-validator errors to `a.b[2].c` paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldErrorDto[] {
  const out: FieldErrorDto[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      const member = MEMBER.exec(message);
      if (member) {
        out.push({ field: `${field}.${member[1]}`, message: member[2] });
        continue;
      }
      // class-validator's defaults start with the property name ("source must be a string").
      const bare = message.startsWith(`${error.property} `)
        ? message.slice(error.property.length + 1)
        : message;
      out.push({ field, message: bare.replace(/^property \S+ /, '') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  exceptionFactory: (errors: ValidationError[]) =>
    new ValidationFailedException(flattenValidationErrors(errors)),
};

/** The global pipe, keeping free-form JSON properties away from class-transformer. */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super(VALIDATION_OPTIONS);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const freeForm = detachFreeForm(metadata.metatype, value);
    let entity: unknown;
    try {
      entity = await super.transform(freeForm.rest, metadata);
    } catch (e) {
      if (e instanceof ValidationFailedException && freeForm.errors.length > 0)
        throw new ValidationFailedException([...e.errors, ...freeForm.errors]);
      throw e;
    }
    if (freeForm.errors.length > 0) throw new ValidationFailedException(freeForm.errors);
    return typeof entity === 'object' && entity !== null ? freeForm.attach(entity) : entity;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe();
}
