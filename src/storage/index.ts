/** Storage maintenance: nothing is imported by other modules; the registry is here for tests. */
export { StorageModule } from './storage.module.js';
export { RETENTION_TABLES, EXEMPT_TABLES, type RetentionTable } from './retention-tables.js';
