/**
 * Event triggers: nothing but the module, for AppModule; other modules see triggers' work as
 * webhooks and events.
 */
export { TriggersModule } from './triggers.module.js';
