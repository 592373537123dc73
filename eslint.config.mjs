import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Module boundaries in src/ (docs/architecture.md#module-boundaries). Layers, lowest first: a
 * folder imports only folders of lower layers, never one of its own layer or above. Feature
 * modules (jobs and up) are imported only through their barrel, `<module>/index.ts`; config,
 * database and common are shared libraries, imported file by file. The top (main.ts,
 * app.module.ts, app.setup.ts, and the testing kit in src/testing) imports any module, through
 * its barrel. Unit specs (*.spec.ts) and test/ may import the files they test.
 */
const LAYERS = [
  ['config'],
  ['database'],
  ['common'],
  ['jobs', 'artifacts'],
  ['events'],
  ['key-rotation', 'storage', 'webhooks'],
  ['triggers', 'log-scan', 'integrations', 'calendar', 'sync'],
  ['console'],
];
const SHARED = new Set(['config', 'database', 'common']);
const MODULES = LAYERS.flat();
const layerOf = (module) => LAYERS.findIndex((layer) => layer.includes(module));
/** An import path's way up from a file `depth` folders below src/ to src/ itself. */
const upTo = (depth) => (depth === 0 ? '\\./' : `(\\.\\./){${depth}}`);

/** The patterns for a file of `from` (undefined: the top), `depth` folders below src/. */
function boundaryPatterns(from, depth) {
  const up = upTo(depth);
  const rule = (regex, message) => ({ regex, message, caseSensitive: true });
  const patterns = [];
  for (const to of MODULES.filter((m) => m !== from)) {
    if (from && layerOf(to) >= layerOf(from))
      patterns.push(
        rule(`^${up}${to}(/|$)`, `${from} may not import ${to}: it imports only lower layers.`),
      );
    else if (!SHARED.has(to))
      patterns.push(
        rule(`^${up}${to}/(?!index\\.js$)`, `Import ${to} through its barrel, ${to}/index.ts.`),
      );
  }
  if (from) {
    patterns.push(
      rule(
        `^${up}(testing(/|$)|[^./][^/]*\\.js$)`,
        `${from} may not import the top (main, app.module, app.setup, testing).`,
      ),
    );
    if (!SHARED.has(from))
      patterns.push(
        rule(
          `^${depth === 1 ? '\\./' : upTo(depth - 1)}index\\.js$`,
          `A file of ${from} imports its neighbours, not its own barrel (load order).`,
        ),
      );
  }
  return patterns;
}

/** One block per folder and depth (a file matches exactly one), so each knows its way up. */
const DEPTHS = [1, 2, 3, 4, 5, 6, 7, 8];
const boundaryBlock = (files, patterns) => ({
  files: [files],
  ignores: ['**/*.spec.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const boundaries = [
  boundaryBlock('src/*.ts', boundaryPatterns(undefined, 0)),
  ...DEPTHS.map((d) =>
    boundaryBlock(`src/testing/${'*/'.repeat(d - 1)}*.ts`, boundaryPatterns(undefined, d)),
  ),
  ...MODULES.flatMap((m) =>
    DEPTHS.map((d) => boundaryBlock(`src/${m}/${'*/'.repeat(d - 1)}*.ts`, boundaryPatterns(m, d))),
  ),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data*/', 'jest.config.cjs', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly', setImmediate: 'readonly' } } },
  {
    // The example suite (examples/jest-e2e) is plain ESM JavaScript run by Jest.
    files: ['examples/**/*.js'],
    languageOptions: {
      globals: { fetch: 'readonly', expect: 'readonly', test: 'readonly', beforeAll: 'readonly', afterAll: 'readonly' },
    },
  },
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  ...boundaries,
);
