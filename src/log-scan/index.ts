/**
 * Log scan: the module, for AppModule, and read-only figures for the operator console; other
 * modules see its work as events (`log.match` by default).
 */
export { LogScanModule } from './log-scan.module.js';
export { LogScanActivityService } from './activity/log-scan-activity.service.js';
