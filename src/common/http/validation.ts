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

/** The message for a required property that was not sent. */
export const REQUIRED = 'is required';
/** The message for a required property sent as `null`. */
export const NOT_NULL = 'must not be null';

/**
 * A failed property that was absent (`undefined`) or `null`. class-validator skips every rule
 * of an `@IsOptional` property in both cases, so a failure here means the property is
 * required; its other rules' messages ("must be a string", "must match ...") would name the
 * wrong fault. Unknown properties (`whitelistValidation`) keep their own message.
 */
function missingMessage(error: ValidationError): string | undefined {
  const constraints = Object.keys(error.constraints ?? {});
  if (constraints.length === 0 || constraints.includes('whitelistValidation')) return undefined;
  if (error.value === undefined) return REQUIRED;
  if (error.value === null) return NOT_NULL;
  return undefined;
}

/**
 * Flattens nested class-validator errors to `a.b[2].c` paths. A required property that is
 * missing says only "is required"; one sent as null only "must not be null".
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldErrorDto[] {
  const out: FieldErrorDto[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const missing = missingMessage(error);
    if (missing) {
      out.push({ field, message: missing });
      continue;
    }
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
