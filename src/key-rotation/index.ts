/** Key rotation's public surface: the module, for AppModule. Modules register sealed columns with `sealedColumns()` from common/security. */
export { KeyRotationModule } from './key-rotation.module.js';
