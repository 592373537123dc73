import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppException } from '../common/http/app.exception.js';
import { storableText } from '../common/http/storable-text.js';
import { artifactsConfig } from '../config/artifacts.config.js';
import { ArtifactRepository } from './artifact.repository.js';
import { ArtifactsException } from './artifacts.exception.js';
import type { ArtifactDto } from './dto/artifact.dto.js';

/**
 * Bytes per chunk row. Large enough that a 100 MiB artifact is 400 short inserts, small
 * enough that one chunk and the copies the driver makes of it (and PostgreSQL's hex text of
 * it on the way out) are cheap to hold.
 */
export const CHUNK_BYTES = 256 * 1024;

/** `type/subtype` with optional parameters (RFC 9110 section 8.3.1), as sent. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+\s*(;.*)?$/;

export interface UploadInput {
  name: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  createdBy: string;
}

/**
 * POST /artifacts: the request body streams into chunk rows while its SHA-256 is computed, so
 * at most one chunk is in memory whatever the size. Each chunk is its own statement: a
 * transaction open for a whole upload would hold back every consumer's watermark, and a slow
 * client would hit DB_IDLE_IN_TRANSACTION_TIMEOUT_MS. A failed upload (too large, cut off)
 * deletes what it wrote; one cut off by a crash is an incomplete row nothing reads, removed by
 * retention.
 */
@Injectable()
export class ArtifactUploadService {
  private readonly logger = new Logger('Artifacts');

  constructor(
    private readonly repo: ArtifactRepository,
    @Inject(artifactsConfig.KEY) private readonly config: ConfigType<typeof artifactsConfig>,
  ) {}

  async upload(body: Readable, input: UploadInput): Promise<ArtifactDto> {
    const max = this.config.maxBytes;
    const contentType = (input.contentType ?? 'application/octet-stream').trim();
    if (contentType.length > 255 || !MEDIA_TYPE.test(contentType)) {
      body.resume();
      throw ArtifactsException.invalidContentType();
    }
    if (input.contentLength !== undefined && Number(input.contentLength) > max) {
      // Read and drop what the client sends, so it gets the answer instead of a reset.
      body.resume();
      throw ArtifactsException.tooLarge(max);
    }
    const name = storableText(input.name);
    const id = await this.repo.create(name, storableText(contentType), input.createdBy);
    const hash = createHash('sha256');
    // One buffer, reused: a chunk's insert has finished with it before the next is filled.
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    let seq = 0;
    let size = 0;
    try {
      // Leaving the loop early must not destroy the request: the 413 still has to reach the
      // client over this connection.
      for await (const piece of body.iterator({
        destroyOnReturn: false,
      }) as AsyncIterable<Buffer>) {
        size += piece.length;
        if (size > max) throw ArtifactsException.tooLarge(max);
        hash.update(piece);
        for (let offset = 0; offset < piece.length;) {
          const n = piece.copy(chunk, filled, offset);
          filled += n;
          offset += n;
          if (filled === CHUNK_BYTES) {
            await this.repo.appendChunk(id, seq++, chunk);
            filled = 0;
          }
        }
      }
      if (size === 0) throw ArtifactsException.empty();
      if (filled > 0) await this.repo.appendChunk(id, seq++, chunk.subarray(0, filled));
      const sha256 = hash.digest('hex');
      if (!(await this.repo.complete(id, size, sha256)))
        throw ArtifactsException.interrupted('removed while uploading');
      return { id, name, contentType, size, sha256 };
    } catch (err) {
      await this.repo
        .remove(id)
        .catch((e: Error) => this.logger.warn(`artifact ${id}: partial upload kept: ${e.message}`));
      if (err instanceof AppException) {
        body.resume();
        throw err;
      }
      // The client went away mid-body (or the stream failed): nobody waits for an answer,
      // but it is a client fault, not a 500.
      if (body.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET')
        throw ArtifactsException.interrupted((err as Error).message);
      throw err;
    }
  }
}
