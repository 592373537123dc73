// Runs in plain Node (outside Jest's module system), so it uses the compiled build:
// `npm test` builds first (pretest). The testing kit's globalSetup (src/testing), exactly as
// teams running their own suites use it: one embedded PostgreSQL cluster per Jest worker
// (throwaway data directories; or the one server at TEST_DATABASE_URL, whose user may CREATE
// DATABASE), each with a migrated template database that the worker's suites clone.
export { default } from '../../dist/src/testing/global-setup.js';
