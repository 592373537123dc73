import { Global, Module } from '@nestjs/common';
import { ResealJob } from './key-rotation/reseal.job.js';
import { SealedValuesRepository } from './key-rotation/sealed-values.repository.js';
import { SecretsController } from './key-rotation/secrets.controller.js';
import { SecretsStatusService } from './key-rotation/secrets-status.service.js';
import { SecretBoxService } from './secret-box.js';

/** The secret box, and SECRET_KEY rotation: status per key id and the re-seal job. */
@Global()
@Module({
  controllers: [SecretsController],
  providers: [SecretBoxService, SealedValuesRepository, SecretsStatusService, ResealJob],
  exports: [SecretBoxService, SecretsStatusService],
})
export class SecurityModule {}
