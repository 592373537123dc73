/**
 * Log scan: nothing but the module, for AppModule; other modules see its work as events
 * (`log.match` by default).
 */
export { LogScanModule } from './log-scan.module.js';
