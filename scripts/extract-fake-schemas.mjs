// Regenerates the request-body schemas the fake Jira and fake GitHub validate against
// (src/testing/fakes/*/…-request-schemas.json) from the published OpenAPI descriptions,
// keeping only the operations the hub calls and the component schemas they reference.
//   node scripts/extract-fake-schemas.mjs jira   <platform-swagger.v3.json> <commit>
//   node scripts/extract-fake-schemas.mjs github <api.github.com.json> <commit, or @octokit/openapi@X>
// Jira: salto-io/jira-swaggers (Apache-2.0), platform-swagger.v3.json.
// GitHub: github/rest-api-description (MIT), descriptions/api.github.com/api.github.com.json
// (also shipped verbatim as generated/api.github.com.json in the npm package @octokit/openapi).
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const targets = {
  jira: {
    source: 'https://github.com/salto-io/jira-swaggers/blob/<commit>/platform-swagger.v3.json',
    license: 'Apache-2.0',
    out: 'src/testing/fakes/jira/jira-request-schemas.json',
    operations: [
      ['POST', '/rest/api/3/issue'],
      ['PUT', '/rest/api/3/issue/{issueIdOrKey}'],
      ['POST', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
      ['POST', '/rest/api/3/issue/{issueIdOrKey}/comment'],
      ['POST', '/rest/api/3/issue/{issueIdOrKey}/remotelink'],
    ],
  },
  github: {
    // A commit of github/rest-api-description, or the npm package that ships it verbatim.
    source:
      'github/rest-api-description descriptions/api.github.com/api.github.com.json at <commit>',
    license: 'MIT',
    out: 'src/testing/fakes/github/github-request-schemas.json',
    operations: [
      ['POST', '/repos/{owner}/{repo}/issues'],
      ['PATCH', '/repos/{owner}/{repo}/issues/{issue_number}'],
      ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    ],
  },
};

const [kind, specFile, commit] = process.argv.slice(2);
const target = targets[kind];
if (!target || !specFile || !commit) {
  console.error('usage: extract-fake-schemas.mjs jira|github <spec.json> <commit-or-version>');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
const components = {};

// Copies every `#/components/schemas/X` a schema reaches (recursion-safe), so $refs stay valid.
function collect(node) {
  if (Array.isArray(node)) return node.forEach(collect);
  if (!node || typeof node !== 'object') return;
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    if (!(name in components)) {
      components[name] = spec.components.schemas[name];
      collect(components[name]);
    }
  }
  Object.values(node).forEach(collect);
}

const operations = target.operations.map(([method, p]) => {
  const op = spec.paths[p]?.[method.toLowerCase()];
  const schema = op?.requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${p}: no application/json request body in ${specFile}`);
  collect(schema);
  return { method, path: p, operationId: op.operationId, schema };
});

const doc = {
  source: target.source.replace('<commit>', commit),
  commit,
  license: target.license,
  specVersion: spec.info?.version ?? null,
  generatedBy: `node scripts/extract-fake-schemas.mjs ${kind} <spec> ${commit}`,
  operations,
  components: { schemas: Object.fromEntries(Object.entries(components).sort()) },
};
fs.writeFileSync(path.join(root, target.out), `${JSON.stringify(doc, null, 2)}\n`);
console.log(
  `${target.out}: ${operations.length} operations, ${Object.keys(components).length} component schemas`,
);
