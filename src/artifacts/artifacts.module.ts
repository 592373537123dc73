import { Module } from '@nestjs/common';
import { rawBody } from '../common/http/body-routes.js';
import { ArtifactRepository } from './artifact.repository.js';
import { ArtifactStore } from './artifact-store.service.js';
import { ArtifactUploadService } from './artifact-upload.service.js';
import { ArtifactsController } from './artifacts.controller.js';

/**
 * The artifact store: files uploaded once (POST /artifacts) and named by events, which
 * webhook deliveries carry inline or as signed links. Public surface: ArtifactStore.
 */
@Module({
  controllers: [ArtifactsController],
  providers: [
    ArtifactRepository,
    ArtifactUploadService,
    ArtifactStore,
    rawBody({ method: 'POST', path: /^\/artifacts\/?$/ }),
  ],
  exports: [ArtifactStore],
})
export class ArtifactsModule {}
