import { globalTeardown } from './global-setup.js';

/** Jest `globalTeardown` entry point (Jest wants a module whose default export is the function). */
export default globalTeardown;
