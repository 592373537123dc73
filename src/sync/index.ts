/**
 * Sync: nothing but the module, for AppModule; accepted changes reach other modules as
 * `sync.<table>.<op>` events on the bus.
 */
export { SyncModule } from './sync.module.js';
