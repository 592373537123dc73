import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ResealJob } from './reseal.job.js';
import { SealedValuesRepository } from './sealed-values.repository.js';
import { SecretsController } from './secrets.controller.js';
import { SecretsReadiness } from './secrets-readiness.js';
import { SecretsStatusService } from './secrets-status.service.js';

/**
 * SECRET_KEY rotation: sealed values counted per key id (/admin/secrets/status and readiness)
 * and the re-seal job that moves them to the current key. It sits above jobs and below the
 * feature modules, which tell it their sealed columns with `sealedColumns()`
 * (common/security/sealed-columns.ts); it imports none of them.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [SecretsController],
  providers: [SealedValuesRepository, SecretsStatusService, ResealJob, SecretsReadiness],
})
export class KeyRotationModule {}
