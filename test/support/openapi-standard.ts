import { resolve, Schema } from './hostile-variants.js';

/**
 * The documentation standard every operation of /docs-json is held to (so routes of modules
 * added later are checked the day they land). Each function returns findings as
 * `METHOD /path: what is missing`; an empty list means the document meets the standard.
 */
export interface DocOperation {
  summary?: string;
  description?: string;
  parameters?: { in: string; name: string; required?: boolean; description?: string }[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: Record<string, string[]>[];
}

interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, unknown>;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, Schema> };
}

/** Formats for which Swagger UI itself generates a realistic sample (a uuid, a UTC time). */
const SELF_EXPLAINING_FORMATS = new Set(['uuid', 'date-time']);

/**
 * Whether Swagger UI shows a real example for this schema instead of `"string"` and `0`: an
 * example, an enum or a default on it, a self-explaining format or a boolean, or every
 * property (every array item) exemplified the same way.
 */
export function exemplified(schema: Schema | undefined, doc: OpenApiDoc, depth = 0): boolean {
  if (!schema || depth > 8) return depth > 8;
  const own = schema as Schema & { default?: unknown; allOf?: Schema[] };
  if (own.example !== undefined || own.enum || own.default !== undefined) return true;
  if (own.$ref) return exemplified(resolve(own, doc.components.schemas), doc, depth + 1);
  if (own.allOf) return own.allOf.every((s) => exemplified(s, doc, depth + 1));
  if (own.oneOf) return own.oneOf.some((s) => exemplified(s, doc, depth + 1));
  if (own.format && SELF_EXPLAINING_FORMATS.has(own.format)) return true;
  if (own.type === 'boolean') return true;
  if (own.type === 'array') return exemplified(own.items, doc, depth + 1);
  if (own.properties)
    return Object.values(own.properties).every((p) => exemplified(p, doc, depth + 1));
  return false;
}

const mediaExemplified = (media: MediaType, doc: OpenApiDoc) =>
  media.example !== undefined || media.examples !== undefined || exemplified(media.schema, doc);

export function operations(doc: OpenApiDoc): [string, string, string, DocOperation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) =>
        [`${method.toUpperCase()} ${path}`, method, path, op] as [
          string,
          string,
          string,
          DocOperation,
        ],
    ),
  );
}

/** Summary and description on the operation, a description on each parameter and response. */
export function undescribed(doc: OpenApiDoc): string[] {
  const findings: string[] = [];
  for (const [key, , , op] of operations(doc)) {
    if (!op.summary?.trim()) findings.push(`${key}: no summary`);
    if (!op.description?.trim()) findings.push(`${key}: no description`);
    for (const p of op.parameters ?? [])
      if (!p.description?.trim()) findings.push(`${key}: ${p.in} parameter ${p.name} undescribed`);
    for (const [status, r] of Object.entries(op.responses))
      if (!r.description?.trim()) findings.push(`${key}: ${status} response undescribed`);
    if (!Object.keys(op.responses).some((s) => /^4/.test(s)))
      findings.push(`${key}: no 4xx response`);
  }
  return findings;
}

/** A request body, and every JSON success answer, shows a real example in Swagger UI. */
export function unexemplified(doc: OpenApiDoc): string[] {
  const findings: string[] = [];
  for (const [key, , , op] of operations(doc)) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
      if (!mediaExemplified(media, doc)) findings.push(`${key}: request body ${type} no example`);
    for (const [status, r] of Object.entries(op.responses))
      if (/^2/.test(status))
        for (const [type, media] of Object.entries(r.content ?? {}))
          if (type.includes('json') && !mediaExemplified(media, doc))
            findings.push(`${key}: ${status} ${type} no example`);
  }
  return findings;
}
