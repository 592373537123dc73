// Runs in plain Node (outside Jest's module system), so it uses the compiled build:
// `npm test` builds first (pretest). The testing kit's globalSetup (src/testing), exactly as
// teams running their own suites use it: one real PostgreSQL per test run (embedded
// binaries, throwaway data dir; or TEST_DATABASE_URL, whose user may CREATE DATABASE) with a
// migrated template database that every suite clones.
export { default } from '../../dist/src/testing/global-setup.js';
