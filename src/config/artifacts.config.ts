import { registerAs } from '@nestjs/config';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { parseDuration } from './duration.js';
import { IsDuration } from './is-duration.js';
import { ConfigError, ToInt, validateEnv } from './validate-env.js';

const MIB = 1024 * 1024;

/** The artifact store (POST /artifacts; docs/webhooks.md "Artifacts"). */
export class ArtifactsEnv {
  /** Largest artifact POST /artifacts takes; a larger upload is a 413 and leaves no rows. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(4096 * MIB)
  ARTIFACT_MAX_BYTES: number = 100 * MIB;

  /**
   * An artifact is removed this long after its last use: its upload, an event naming it, or
   * the expiry of the last link a delivery carried to it.
   */
  @IsString()
  @IsDuration()
  ARTIFACT_RETENTION: string = '7d';
}

export interface ArtifactsConfig {
  maxBytes: number;
  retentionMs: number;
}

export const artifactsConfig = registerAs('artifacts', (): ArtifactsConfig => {
  const env = validateEnv(ArtifactsEnv, process.env);
  const retentionMs = parseDuration(env.ARTIFACT_RETENTION)!;
  if (retentionMs < 1000) throw new ConfigError(['ARTIFACT_RETENTION: must be at least 1s']);
  return { maxBytes: env.ARTIFACT_MAX_BYTES, retentionMs };
});
