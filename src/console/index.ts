/** The operator console: nothing but the module, for AppModule. */
export { ConsoleModule } from './console.module.js';
