import { AppException } from '../common/http/app.exception.js';
import type { FieldErrorDto } from '../common/http/problem.js';

export enum ArtifactsErrorCode {
  TooLarge = 'artifact-too-large',
  UnknownReference = 'artifact-unknown-reference',
  NotFound = 'artifact-not-found',
  UploadInterrupted = 'artifact-upload-interrupted',
  InvalidContentType = 'artifact-invalid-content-type',
  Empty = 'artifact-empty',
}

export class ArtifactsException extends AppException {
  static tooLarge(maxBytes: number) {
    return new ArtifactsException(
      ArtifactsErrorCode.TooLarge,
      413,
      `the artifact exceeds ARTIFACT_MAX_BYTES (${maxBytes} bytes); nothing was stored`,
      { maxBytes },
    );
  }
  /** A 400 naming each `data.artifacts[i].artifactId` that names no stored artifact. */
  static unknownReferences(errors: FieldErrorDto[]) {
    return new ArtifactsException(
      ArtifactsErrorCode.UnknownReference,
      400,
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }
  static notFound(id: string) {
    return new ArtifactsException(
      ArtifactsErrorCode.NotFound,
      404,
      `artifact ${id} is no longer stored`,
    );
  }
  static interrupted(detail: string) {
    return new ArtifactsException(
      ArtifactsErrorCode.UploadInterrupted,
      400,
      `the upload ended early (${detail}); nothing was stored`,
    );
  }
  static empty() {
    return new ArtifactsException(
      ArtifactsErrorCode.Empty,
      400,
      'the request body is the artifact, and it was empty',
      { errors: [{ field: 'body', message: 'must hold at least one byte' }] },
    );
  }
  static invalidContentType() {
    return new ArtifactsException(
      ArtifactsErrorCode.InvalidContentType,
      400,
      'Content-Type must be a media type such as text/plain or application/octet-stream',
      { errors: [{ field: 'Content-Type', message: 'must be a media type (type/subtype)' }] },
    );
  }
}
