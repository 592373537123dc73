import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
);
