import { randomUUID } from 'node:crypto';

/**
 * Hostile requests generated from an OpenAPI operation: every body field, path parameter,
 * query parameter and header gets the inputs that once made the API answer 500 (NUL, lone
 * surrogates, deep nesting, prototype keys, wrong content types, invalid UTF-8, ids past
 * int64, forged cursors, year 0). Each variant is hostile on its own, built on an otherwise
 * plausible request, so a route must refuse every one of them.
 */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  nullable?: boolean;
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}

export interface Operation {
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

export interface Variant {
  name: string;
  /** Path with parameters filled in, and the query string. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  /** The field the problem must name, when the variant targets exactly one. */
  field?: string;
}

/** mulberry32: a small seeded generator, so a failure can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TWENTY_DIGITS = '99999999999999999999';
const b64 = (text: string) => Buffer.from(text).toString('base64url');
/** Forged page cursors of each shape the API issues, and sync cursors past xid8/bigint. */
const FORGED_CURSORS = (appId: string) => [
  b64(JSON.stringify({ v: 1, before: 'abc' })),
  b64(JSON.stringify({ v: 1, at: 'x', id: 'y' })),
  b64(`1|${appId}|${TWENTY_DIGITS}|1`),
  b64(`1|${appId}|1|${TWENTY_DIGITS}`),
  TWENTY_DIGITS,
];
/** Parameters and fields that carry cursors or bigint ids. */
const CURSOR_OR_ID = /^(cursor|since|sinceId|eventIds|last-event-id)$/i;
const DEEP = 10000;

export function resolve(schema: Schema, schemas: Record<string, Schema>): Schema {
  let s = schema;
  while (s.$ref) s = schemas[s.$ref.replace('#/components/schemas/', '')];
  return s.oneOf ? resolve(s.oneOf[0], schemas) : s;
}

/** A plausible value for a schema: every property present, so every field gets variants. */
export function sample(schema: Schema, schemas: Record<string, Schema>): unknown {
  const s = resolve(schema, schemas);
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'string':
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'uuid') return randomUUID();
      return typeof s.example === 'string' ? s.example : 'x';
    case 'number':
    case 'integer':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return s.items ? [sample(s.items, schemas)] : [];
    default:
      if (s.nullable) return null;
      if (s.properties)
        return Object.fromEntries(
          Object.entries(s.properties).map(([k, v]) => [k, sample(v, schemas)]),
        );
      if (typeof s.additionalProperties === 'object' && s.additionalProperties.type === 'string')
        return { 'x-k': 'v' };
      return s.additionalProperties ? { k: 'v' } : {};
  }
}

type Path = (string | number)[];

/** `a.b[2].c`, as problem+json errors name fields. */
export function fieldName(path: Path): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${key}` : key),
    '',
  );
}

function leaves(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (typeof value === 'object' && value !== null)
    return [{ path, value }, ...Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]))];
  return [{ path, value }];
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  if (path.length === 0) return value;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

export interface Context {
  schemas: Record<string, Schema>;
  random: () => number;
  appId: string;
  /** A valid value for each path parameter, so only the hostile part is wrong. */
  pathValue: (name: string) => string;
  auth: Record<string, string>;
}

export function variantsFor(method: string, template: string, op: Operation, ctx: Context) {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const query = params.filter((p) => p.in === 'query');
  const headers = params.filter((p) => p.in === 'header');
  const fill = (override: Record<string, string> = {}) =>
    pathParams.reduce(
      (path, p) =>
        path.replace(`{${p.name}}`, override[p.name] ?? encodeURIComponent(ctx.pathValue(p.name))),
      template,
    );
  const out: Variant[] = [];
  const json = { ...ctx.auth, 'content-type': 'application/json' };
  const pick = <T>(items: T[]) => items[Math.floor(ctx.random() * items.length)];
  const withNul = (base: string) =>
    insertAt(base, Math.floor(ctx.random() * (base.length + 1)), '\u0000');

  for (const p of pathParams) {
    for (const [name, raw] of [
      ['NUL', `x%00${pick(['', 'y', '1'])}`],
      ['lone surrogate as CESU-8', '%ED%A0%80'],
      ['invalid UTF-8', '%FFx'],
    ] as const)
      out.push({
        name: `path ${p.name}: ${name}`,
        path: fill({ [p.name]: raw }),
        headers: ctx.auth,
        field: name === 'NUL' ? p.name : undefined,
      });
  }

  for (const q of query) {
    const s = q.schema ? resolve(q.schema, ctx.schemas) : {};
    const hostile: [string, string, string | undefined][] = [
      ['NUL', encodeURIComponent(withNul('x')), q.name],
      ['invalid UTF-8', '%FF%FE', undefined],
    ];
    if (s.format === 'date-time') hostile.push(['year 0', '0000-01-01T00:00:00Z', undefined]);
    if (CURSOR_OR_ID.test(q.name))
      for (const cursor of FORGED_CURSORS(ctx.appId)) hostile.push(['forged', cursor, undefined]);
    for (const [name, value, field] of hostile)
      out.push({
        name: `query ${q.name}: ${name} ${value.slice(0, 40)}`,
        path: `${fill()}?${requiredQuery(query, q.name, ctx)}${q.name}=${value}`,
        headers: ctx.auth,
        field,
      });
  }

  for (const h of headers) {
    const values = [['oversized', 'a'.repeat(10000)]];
    if (CURSOR_OR_ID.test(h.name))
      for (const cursor of FORGED_CURSORS(ctx.appId)) values.push(['forged', cursor]);
    for (const [name, value] of values)
      out.push({
        name: `header ${h.name}: ${name}`,
        path: `${fill()}${query.length ? `?${requiredQuery(query, '', ctx)}` : ''}`,
        headers: { ...json, [h.name]: value },
        body: bodyOf(op, ctx) === undefined ? undefined : JSON.stringify(bodyOf(op, ctx)),
      });
  }

  const base = bodyOf(op, ctx);
  if (method !== 'get') {
    const text = JSON.stringify(base ?? {});
    out.push(
      {
        name: 'body as text/plain',
        path: fill(),
        headers: { ...ctx.auth, 'content-type': 'text/plain' },
        body: text,
      },
      { name: 'body without a content type', path: fill(), headers: ctx.auth, body: text },
      {
        name: 'body as a form',
        path: fill(),
        headers: { ...ctx.auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'enabled=true',
      },
    );
  }
  if (base === undefined) return out;

  const at = fill();
  const send = (name: string, body: unknown, field?: string): Variant => ({
    name,
    path: at,
    headers: json,
    body: JSON.stringify(body),
    field,
  });
  for (const leaf of leaves(base)) {
    const field = fieldName(leaf.path) || 'body';
    if (typeof leaf.value === 'string') {
      out.push(send(`body ${field}: NUL`, setAt(base, leaf.path, withNul(leaf.value)), field));
      out.push(
        send(`body ${field}: lone surrogate`, setAt(base, leaf.path, `${leaf.value}\ud800`), field),
      );
    }
    const last = leaf.path[leaf.path.length - 1];
    if (typeof last === 'string' && CURSOR_OR_ID.test(last)) {
      for (const cursor of FORGED_CURSORS(ctx.appId))
        out.push(
          send(
            `body ${field}: forged ${cursor.slice(0, 30)}`,
            setAt(base, leaf.path, Array.isArray(leaf.value) ? [cursor] : cursor),
          ),
        );
    }
    if (typeof leaf.value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(leaf.value))
      out.push(send(`body ${field}: year 0`, setAt(base, leaf.path, '0000-01-01T00:00:00Z')));
    if (typeof leaf.value === 'object' && leaf.value !== null && !Array.isArray(leaf.value)) {
      const key = withNul('k');
      out.push(
        send(
          `body ${field}: NUL in a key`,
          setAt(base, leaf.path, { ...leaf.value, [key]: 'v' }),
          fieldName([...leaf.path, JSON.stringify(key)]),
        ),
      );
    }
  }
  const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
  const firstKey = typeof base === 'object' && base !== null ? Object.keys(base)[0] : undefined;
  out.push({ name: 'body nested 10,000 deep', path: at, headers: json, body: deep });
  if (firstKey)
    out.push({
      name: `body ${firstKey} nested 10,000 deep`,
      path: at,
      headers: json,
      body: JSON.stringify({ ...base, [firstKey]: '__DEEP__' }).replace('"__DEEP__"', deep),
    });
  for (const key of ['__proto__', 'constructor'])
    out.push({
      name: `body with a top-level ${key} key`,
      path: at,
      headers: json,
      body: JSON.stringify(base).replace(/^\{(?=(.))/, (_m, next: string) =>
        next === '}' ? `{"${key}":{"polluted":true}` : `{"${key}":{"polluted":true},`,
      ),
      field: key,
    });
  const text = Buffer.from(JSON.stringify(base));
  const quote = text.indexOf('"', text.indexOf(':')) + 1;
  out.push({
    name: 'body with invalid UTF-8 in a string',
    path: at,
    headers: json,
    body: Buffer.concat([
      text.subarray(0, quote),
      Buffer.from([0xc3, 0x28, 0xff]),
      text.subarray(quote),
    ]),
  });
  return out;
}

function bodyOf(op: Operation, ctx: Context): unknown {
  const schema = op.requestBody?.content['application/json']?.schema;
  return schema ? sample(schema, ctx.schemas) : undefined;
}

/** Plausible values for the other required-looking query parameters (sync collections). */
function requiredQuery(query: Parameter[], except: string, ctx: Context): string {
  return query
    .filter((q) => q.name !== except && /^collections?$/.test(q.name))
    .map(
      (q) =>
        `${q.name}=${encodeURIComponent(String(sample(q.schema ?? {}, ctx.schemas) ?? 'cards'))}&`,
    )
    .join('');
}
