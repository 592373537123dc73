/**
 * Key rotation: nothing but the module, for AppModule. A module tells it which columns it
 * seals with `sealedColumns()` from common/security/sealed-columns.ts, not by importing it.
 */
export { KeyRotationModule } from './key-rotation.module.js';
