export { globalTeardown as default } from '../../dist/src/testing/global-setup.js';
