import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldErrorDto } from './problem.js';

/** Carries field-level errors to the problem filter. */
export class ValidationFailedException extends BadRequestException {
  constructor(public readonly errors: FieldErrorDto[]) {
    super('Validation failed');
  }
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

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe(VALIDATION_OPTIONS);
}
