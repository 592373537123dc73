import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FieldErrorDto } from '../common/http/problem.js';
import { checkRefShapes } from './artifact-refs.js';
import { ArtifactMeta, ArtifactRepository } from './artifact.repository.js';
import { ArtifactsException } from './artifacts.exception.js';

/** An artifact opened for download: its description and its bytes, chunk by chunk. */
export interface OpenedArtifact {
  meta: ArtifactMeta;
  chunks: AsyncIterable<Buffer>;
}

/**
 * What other modules ask of the artifact store: whether the artifacts an event names exist
 * (at publish), their descriptions and small bytes (when a delivery is sent), and a stream of
 * one artifact's bytes (a delivery's link).
 */
@Injectable()
export class ArtifactStore {
  constructor(private readonly repo: ArtifactRepository) {}

  /**
   * Refuses events naming an artifact that is not stored (400 naming
   * `data.artifacts[i].artifactId`, under `[k].` in a batch), and marks the named ones as
   * used, in the publishing transaction.
   */
  async requireReferenced(m: EntityManager, datas: unknown[], batch: boolean): Promise<void> {
    const errors: FieldErrorDto[] = [];
    const wanted: { field: string; id: string }[] = [];
    datas.forEach((data, k) => {
      const prefix = batch ? `[${k}].` : '';
      const shapes = checkRefShapes(data, prefix);
      errors.push(...shapes.errors);
      for (const ref of shapes.refs)
        wanted.push({
          field: `${prefix}data.artifacts[${ref.index}].artifactId`,
          id: ref.artifactId.toLowerCase(),
        });
    });
    if (wanted.length > 0) {
      const found = await this.repo.touchExisting(m, [...new Set(wanted.map((w) => w.id))]);
      for (const w of wanted)
        if (!found.has(w.id))
          errors.push({ field: w.field, message: `no artifact ${w.id} is stored` });
    }
    if (errors.length > 0) throw ArtifactsException.unknownReferences(errors);
  }

  /** Descriptions of the stored artifacts among `ids`, held until at least `holdUntil`. */
  describe(ids: string[], holdUntil?: Date): Promise<ArtifactMeta[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.repo.metas(ids, holdUntil);
  }

  /** The whole bytes of small artifacts, to inline them. */
  contents(ids: string[]): Promise<Map<string, Buffer>> {
    return ids.length === 0 ? Promise.resolve(new Map()) : this.repo.contents(ids);
  }

  /** One artifact's bytes as a stream of chunk rows, read one at a time as they are sent. */
  async open(id: string): Promise<OpenedArtifact> {
    const meta = await this.repo.meta(id);
    if (!meta) throw ArtifactsException.notFound(id);
    const repo = this.repo;
    async function* chunks(): AsyncGenerator<Buffer> {
      let sent = 0;
      for (let seq = 0; sent < meta!.size; seq++) {
        const data = await repo.chunk(id, seq);
        // Removed while it was being read: the receiver sees a short body and a bad hash.
        if (!data) throw ArtifactsException.notFound(id);
        sent += data.length;
        yield data;
      }
    }
    return { meta, chunks: chunks() };
  }
}
