import { registerDecorator } from 'class-validator';

/**
 * A flat object of at most 200 entries (column -> status): names of 1-200 characters, values
 * non-empty strings of at most 255, or one of `allowed` when given.
 */
export function IsStringMap(allowed?: readonly string[]) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          Object.keys(value).length <= 200 &&
          Object.entries(value).every(
            ([k, v]) =>
              k.length > 0 &&
              k.length <= 200 &&
              typeof v === 'string' &&
              v.length > 0 &&
              v.length <= 255 &&
              (!allowed || allowed.includes(v)),
          ),
        defaultMessage: () =>
          allowed
            ? `must map column names to one of ${allowed.join(', ')} (at most 200 entries)`
            : 'must map names to non-empty strings (at most 200 entries)',
      },
    });
}
