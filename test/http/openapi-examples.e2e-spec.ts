import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import request from 'supertest';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// ajv-formats is CommonJS: its default import is the plugin at run time, typed as the module.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const formats = addFormatsImport as unknown as FormatsPlugin | { default: FormatsPlugin };
const addFormats: FormatsPlugin = typeof formats === 'function' ? formats : formats.default;

type Node = Record<string, unknown>;
interface Site {
  where: string;
  schema: Node;
  value: unknown;
}

/**
 * Formats the served document uses that ajv-formats does not know. Swagger shows them as
 * hints only; this test cannot check them and says so here (a new one fails the test, so
 * it is added to this list knowingly).
 */
const UNCHECKED_FORMATS: string[] = [];

/** Keys whose values are data, not schemas: never rewritten. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);

/**
 * OpenAPI 3.0 schema to JSON Schema for ajv: `nullable` becomes a `null` type (and a `null`
 * in an enum), or `anyOf [null, …]` beside a `$ref`/composition; component refs point into the
 * document registered as `doc`.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Node = {};
  for (const [k, v] of Object.entries(node as Node)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^#\//, 'doc#/');
    else out[k] = DATA_KEYS.has(k) ? v : toJsonSchema(v);
  }
  const { nullable, ...rest } = out;
  if (nullable !== true) return rest;
  if (typeof rest.type === 'string') {
    const withNull: Node = { ...rest, type: [rest.type, 'null'] };
    if (Array.isArray(rest.enum) && !rest.enum.includes(null)) withNull.enum = [...rest.enum, null];
    return withNull;
  }
  return { anyOf: [{ type: 'null' }, rest] };
}

/** Every schema node below `schema` (properties, items, compositions), with its path. */
function* schemaNodes(schema: unknown, where: string): Generator<[Node, string]> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return;
  const s = schema as Node;
  yield [s, where];
  for (const [name, p] of Object.entries((s.properties as Node) ?? {}))
    yield* schemaNodes(p, `${where}.${name}`);
  if (s.items) yield* schemaNodes(s.items, `${where}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    yield* schemaNodes(s.additionalProperties, `${where}.*`);
  for (const key of ['allOf', 'oneOf', 'anyOf'])
    for (const [i, sub] of ((s[key] as unknown[]) ?? []).entries())
      yield* schemaNodes(sub, `${where}.${key}[${i}]`);
}

/** A media type's or parameter's examples: `example`, and each `examples` entry's value. */
function* ownExamples(holder: Node, where: string, doc: Node): Generator<[unknown, string]> {
  if (holder.example !== undefined) yield [holder.example, `${where} example`];
  for (const [name, raw] of Object.entries((holder.examples as Node) ?? {})) {
    let ex = raw as Node;
    if (typeof ex.$ref === 'string') {
      const [, , kind, key] = ex.$ref.split('/');
      ex = ((doc.components as Node)[kind] as Node)[key] as Node;
    }
    if ('value' in ex) yield [ex.value, `${where} examples.${name}`];
  }
}

/** Every example in the document with the schema it claims to fit. */
function exampleSites(doc: Node): Site[] {
  const sites: Site[] = [];
  const schemaExamples = (schema: unknown, where: string) => {
    for (const [node, at] of schemaNodes(schema, where))
      if (node.example !== undefined)
        sites.push({ where: `${at} example`, schema: node, value: node.example });
  };
  for (const [name, schema] of Object.entries(((doc.components as Node).schemas as Node) ?? {}))
    schemaExamples(schema, `components.schemas.${name}`);

  const media = (content: unknown, where: string) => {
    for (const [type, m] of Object.entries((content as Node) ?? {})) {
      const mt = m as Node;
      if (!mt.schema) continue;
      for (const [value, at] of ownExamples(mt, `${where} ${type}`, doc))
        sites.push({ where: at, schema: mt.schema as Node, value });
      schemaExamples(mt.schema, `${where} ${type} schema`);
    }
  };
  for (const [path, ops] of Object.entries(doc.paths as Node))
    for (const [method, raw] of Object.entries(ops as Node)) {
      const op = raw as Node;
      const key = `${method.toUpperCase()} ${path}`;
      for (const p of (op.parameters as Node[]) ?? []) {
        const where = `${key} ${p.in} parameter ${p.name}`;
        for (const [value, at] of ownExamples(p, where, doc))
          sites.push({ where: at, schema: p.schema as Node, value });
        schemaExamples(p.schema, `${where} schema`);
      }
      media((op.requestBody as Node | undefined)?.content, `${key} request body`);
      for (const [status, r] of Object.entries(op.responses as Node))
        media((r as Node).content, `${key} ${status}`);
    }
  return sites;
}

/** Validates every example site of `doc` with ajv (formats from ajv-formats). */
function checkExamples(doc: Node): {
  unknownFormats: string[];
  sites: string[];
  findings: string[];
} {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  const sites = exampleSites(doc);
  const used = new Set<string>();
  for (const [node] of schemaNodes({ properties: (doc.components as Node).schemas }, ''))
    if (typeof node.format === 'string') used.add(node.format);
  for (const site of sites)
    for (const [node] of schemaNodes(site.schema, ''))
      if (typeof node.format === 'string') used.add(node.format);
  const unknownFormats = [...used].filter((f) => !(f in ajv.formats)).sort();
  for (const f of unknownFormats) ajv.addFormat(f, true);
  ajv.addSchema(toJsonSchema({ components: doc.components }) as Node, 'doc');

  const findings: string[] = [];
  for (const site of sites) {
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(toJsonSchema(site.schema) as Node);
    } catch (err) {
      findings.push(`${site.where}: schema does not compile (${(err as Error).message})`);
      continue;
    }
    if (!validate(site.value))
      findings.push(
        `${site.where} ${JSON.stringify(site.value)}: ${ajv.errorsText(validate.errors)}`,
      );
  }
  return { unknownFormats, sites: sites.map((s) => s.where), findings };
}

/**
 * Every example /docs-json serves (request bodies, parameters, responses, and each schema's
 * own, down to the properties) validates against the schema it is given for. Swagger UI's
 * "Try it out" sends these examples, so one that does not fit its schema is a request the
 * reader watches fail.
 */
describe('examples in the served OpenAPI document', () => {
  let t: TestApp;
  let doc: Node;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await request(t.url).get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('each validate against their own schema', () => {
    const { unknownFormats, sites, findings } = checkExamples(doc);
    expect(unknownFormats).toEqual(UNCHECKED_FORMATS);
    // The walk must reach the examples: the push body's and the appId parameter's at least.
    expect(sites).toEqual(
      expect.arrayContaining([
        'POST /sync/{appId} request body application/json examples.insert',
        'POST /sync/{appId} path parameter appId schema example',
      ]),
    );
    expect(findings).toEqual([]);
  });

  it('would catch what Swagger UI sent for spaceId before its schema said string', () => {
    const broken = structuredClone(doc);
    const change = ((broken.components as Node).schemas as Record<string, Node>).ChangeDto;
    (change.properties as Record<string, Node>).spaceId.example = {};
    expect(checkExamples(broken).findings).toEqual([
      expect.stringMatching(
        /^components\.schemas\.ChangeDto\.spaceId example \{\}: data must be string,null/,
      ),
    ]);
  });

  it('lets "Try it out" push the documented changeset as it stands', async () => {
    const op = ((doc.paths as Node)['/sync/{appId}'] as Node).post as Node;
    const content = (op.requestBody as Node).content as Record<string, Node>;
    const [first] = Object.values(content['application/json'].examples as Node);
    const token = await startedUserToken(t, `try-${Date.now()}`);
    const res = await request(t.url)
      .post('/sync/notes')
      .set(bearer(token))
      .send((first as Node).value as object);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    expect(res.body.conflicts ?? []).toEqual([]);
  });
});

async function startedUserToken(t: TestApp, userId: string): Promise<string> {
  const res = await request(t.url)
    .post('/admin/user-tokens')
    .set(bearer(t.adminToken))
    .send({ userId })
    .expect(201);
  return res.body.token as string;
}
