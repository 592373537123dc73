/**
 * The artifact store's public surface: ArtifactStore (is an artifact stored, its description
 * and small bytes, a stream of its bytes) and the reading of `data.artifacts` references.
 */
export { ArtifactsModule } from './artifacts.module.js';
export { ArtifactStore, type OpenedArtifact } from './artifact-store.service.js';
export type { ArtifactMeta } from './artifact.repository.js';
export { artifactRefs, type ArtifactRef } from './artifact-refs.js';
