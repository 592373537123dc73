// Nest 12 ships as native ES modules, so Jest runs in its ESM mode
// (node --experimental-vm-modules, see package.json) and ts-jest emits ESM.
// Two projects: unit specs next to the code; e2e suites in test/ against one embedded
// PostgreSQL cluster per worker (globalSetup) with a database per suite cloned from a migrated
// template.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};
module.exports = {
  testTimeout: 60000,
  // Jest's default on 2 cores is one worker. The e2e suites mostly wait (polls, timers, HTTP);
  // each worker has its own PostgreSQL cluster. Quiet 2-core machine, whole suite: 2 workers
  // 207 s, 3 workers 175 s, 4 workers 186 s (docs/testing.md).
  maxWorkers: 3,
  // Each file's time in test-results/suite-times.json (node test/support/slowest-suites.mjs).
  reporters: ['default', '<rootDir>/test/support/suite-times-reporter.mjs'],
  projects: [
    { ...shared, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
