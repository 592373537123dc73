/**
 * Integrations: nothing but the module, for AppModule; other modules reach it through work-item
 * events on the bus.
 */
export { IntegrationsModule } from './integrations.module.js';
