import { Global, Module } from '@nestjs/common';
import { SecretBoxService } from './secret-box.js';

/** The secret box. SECRET_KEY rotation is its own module (src/key-rotation). */
@Global()
@Module({ providers: [SecretBoxService], exports: [SecretBoxService] })
export class SecurityModule {}
