import { registerDecorator } from 'class-validator';

/** A flat object of at most 200 non-empty string values (column -> status). */
export function IsStringMap() {
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
              v.length <= 255,
          ),
        defaultMessage: () => 'must map names to non-empty strings (at most 200 entries)',
      },
    });
}
