/**
 * Integrations: the module, for AppModule, and the failing integrations for the operator
 * console; other modules reach it through work-item events on the bus.
 */
export { IntegrationsModule } from './integrations.module.js';
export {
  FailingIntegrationsService,
  type FailingIntegration,
} from './logs/failing-integrations.service.js';
