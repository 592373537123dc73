import { Ajv } from 'ajv';

/**
 * The shape of a peer's 2xx answer that a connector reads: checked before any field is
 * used, so an answer of the wrong shape (an object for a list, `{}` for a created issue,
 * text, a body cut at the size cap) is a failed call with a reason, never a TypeError or
 * an `undefined` stored as an id.
 */
export interface AnswerShape {
  /** What the answer is, for the error: `the created issue`. */
  readonly name: string;
  /** Why the body does not fit, or undefined when it does. */
  problem(body: unknown): string | undefined;
}

// Not strict: the shapes list only what is read and let every other field through.
const ajv = new Ajv({ allErrors: false, strict: false });

export function answerShape(name: string, schema: object): AnswerShape {
  const validate = ajv.compile(schema);
  return {
    name,
    problem(body) {
      if (body === undefined) return 'no JSON body';
      if (validate(body)) return undefined;
      const e = validate.errors?.[0];
      return e ? `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}` : 'invalid';
    },
  };
}

/** JSON Schema pieces the connectors' shapes share. */
export const ID = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] } as const;
export const TEXT = { type: 'string', minLength: 1 } as const;
export const OBJECT = { type: 'object' } as const;
export const listOf = (items: object) => ({ type: 'array', items }) as const;
export const objectWith = (properties: Record<string, object>, required: string[] = []) =>
  ({ type: 'object', properties, required }) as const;
