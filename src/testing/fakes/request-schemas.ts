import { readFileSync } from 'node:fs';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';

/** One refusal: the body's field (dotted path, '' for the body itself) and why. */
export interface SchemaProblem {
  field: string;
  keyword: string;
  message: string;
}

interface ExtractDocument {
  operations: { method: string; path: string; schema: unknown }[];
}

const cache = new Map<string, Promise<RequestSchemas>>();

/**
 * The request-body schemas of the operations a fake serves, extracted from the service's
 * published OpenAPI description (scripts/extract-fake-schemas.mjs), compiled with ajv.
 * Not strict: OpenAPI 3.0 adds keywords (example, discriminator, x-…) that JSON Schema
 * lacks, and formats are left unchecked, as the services' own parsers do not refuse on them.
 */
export class RequestSchemas {
  private readonly checks: { method: string; pattern: RegExp; validate: ValidateFunction }[];

  /**
   * Compiled once per file and process, on a fake's first start: ajv is loaded then, not at
   * import, so importing the testing kit stays fast (~100 ms otherwise).
   */
  static load(file: URL): Promise<RequestSchemas> {
    let loaded = cache.get(file.href);
    if (!loaded) {
      const options = { strict: false, allErrors: true, validateFormats: false };
      loaded = import('ajv').then(({ Ajv }) => new RequestSchemas(file, new Ajv(options)));
      cache.set(file.href, loaded);
    }
    return loaded;
  }

  private constructor(file: URL, ajv: Ajv) {
    const doc = nullableToJsonSchema(JSON.parse(readFileSync(file, 'utf8'))) as ExtractDocument;
    ajv.addSchema({ ...doc, $id: 'extract' });
    this.checks = doc.operations.map((op, i) => ({
      method: op.method,
      pattern: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      validate: ajv.compile({ $ref: `extract#/operations/${i}/schema` }),
    }));
  }

  /** Problems with the body, or [] when it validates or no operation matches. */
  problems(method: string, path: string, body: unknown): SchemaProblem[] {
    const check = this.checks.find((c) => c.method === method && c.pattern.test(path));
    if (!check || check.validate(body)) return [];
    return (check.validate.errors ?? []).map(toProblem);
  }
}

/**
 * OpenAPI 3.0's `nullable: true` beside `oneOf` (no `type`), as GitHub's `milestone`, is not
 * JSON Schema and ajv refuses it: it becomes `anyOf: [null, the rest]`, which means the same.
 */
function nullableToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableToJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([k, v]) => [k, nullableToJsonSchema(v)]);
  const { nullable, ...rest } = Object.fromEntries(entries) as Record<string, unknown>;
  if (nullable !== true || 'type' in rest) return Object.fromEntries(entries);
  return { anyOf: [{ type: 'null' }, rest] };
}

function toProblem(e: ErrorObject): SchemaProblem {
  const parts = e.instancePath.split('/').filter(Boolean);
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  if (e.keyword === 'required' && missing) parts.push(missing);
  return { field: parts.join('.'), keyword: e.keyword, message: e.message ?? 'is invalid' };
}
