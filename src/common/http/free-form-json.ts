import { getMetadataStorage, registerDecorator } from 'class-validator';
import type { FieldErrorDto } from './problem.js';

/** Why a free-form value is refused, or undefined; called with undefined when absent. */
export type FreeFormRule = (value: unknown) => string | undefined;

const NAME = 'freeFormJson';

/**
 * A property holding client JSON that is stored as it came (event `data`, endpoint
 * `metadata`, sync `changes`). It never goes through class-transformer, which treats a
 * `constructor` key as a class to instantiate ("targetType is not a constructor") and
 * drops `constructor` and `__proto__` keys, nor through Nest's prototype-key stripping:
 * validation pipes take it off the body first, check it with `rule`, and put it back.
 * Registered with class-validator so mapped types (PartialType) inherit it.
 */
export function FreeFormJson(rule: FreeFormRule): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: NAME,
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [rule],
      // The property is off the object while class-validator runs; `rule` decides.
      validator: { validate: () => true },
    });
}

const cache = new WeakMap<object, { key: string; rule: FreeFormRule }[]>();

function freeFormFields(type: object): { key: string; rule: FreeFormRule }[] {
  let fields = cache.get(type);
  if (!fields) {
    fields = getMetadataStorage()
      .getTargetValidationMetadatas(type as new () => unknown, '', true, false)
      .filter((m) => m.name === NAME)
      .map((m) => ({ key: m.propertyName, rule: m.constraints[0] as FreeFormRule }));
    cache.set(type, fields);
  }
  return fields;
}

export interface DetachedFreeForm {
  /** The body without its free-form properties, for class-transformer. */
  rest: unknown;
  /** Problems with the free-form properties, named `prefix` + property. */
  errors: FieldErrorDto[];
  /** Puts the untouched values on the validated instance. */
  attach<T extends object>(entity: T): T;
}

/** Splits a body of `type` into what class-transformer may see and what it must not. */
export function detachFreeForm(type: unknown, body: unknown, prefix = ''): DetachedFreeForm {
  const fields = typeof type === 'function' ? freeFormFields(type) : [];
  if (fields.length === 0 || typeof body !== 'object' || body === null || Array.isArray(body))
    return { rest: body, errors: [], attach: (entity) => entity };
  const rest: Record<string, unknown> = { ...body };
  const held: Record<string, unknown> = {};
  const errors: FieldErrorDto[] = [];
  for (const { key, rule } of fields) {
    const value = rest[key];
    delete rest[key];
    const problem = rule(value);
    // Same wording as the validation pipe's for a required property that was not sent.
    if (problem)
      errors.push({
        field: prefix ? `${prefix}.${key}` : key,
        message: value === undefined ? 'is required' : problem,
      });
    if (value !== undefined) held[key] = value;
  }
  return { rest, errors, attach: (entity) => Object.assign(entity, held) };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Optional JSON object of at most `maxBytes` serialized (no limit when omitted). */
export function jsonObject(maxBytes?: number): FreeFormRule {
  return (value) => {
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) return 'must be a JSON object';
    if (maxBytes !== undefined && Buffer.byteLength(JSON.stringify(value)) > maxBytes)
      return `must be a JSON object of at most ${maxBytes} bytes`;
    return undefined;
  };
}

/** Required array; its items are checked by the service that reads them. */
export const jsonArray: FreeFormRule = (value) =>
  Array.isArray(value) ? undefined : 'must be an array';
