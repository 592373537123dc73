import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rawWrite } from '../database/raw-write.js';

/** A stored artifact's description (its bytes are read chunk by chunk). */
export interface ArtifactMeta {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

interface MetaRow {
  id: string;
  name: string;
  contentType: string;
  size: string;
  sha256: string;
}

const META = `a.id, a.name, a.content_type AS "contentType", a.size::text AS size, a.sha256`;
const toMeta = (r: MetaRow): ArtifactMeta => ({ ...r, size: Number(r.size) });

/**
 * The SQL of the artifact store. Raw because the bytes move as bytea chunk rows, one
 * statement each, and never as one value: an artifact is never whole in memory or in one
 * transaction.
 */
@Injectable()
export class ArtifactRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(name: string, contentType: string, createdBy: string): Promise<string> {
    const { rows } = await rawWrite<{ id: string }>(
      this.dataSource,
      `INSERT INTO artifacts (name, content_type, created_by) VALUES ($1, $2, $3) RETURNING id`,
      [name, contentType, createdBy],
    );
    return rows[0].id;
  }

  async appendChunk(id: string, seq: number, data: Buffer): Promise<void> {
    await rawWrite(
      this.dataSource,
      `INSERT INTO artifact_chunks (artifact_id, seq, data) VALUES ($1, $2, $3)`,
      [id, seq, data],
    );
  }

  /** Marks the upload whole; until then nothing reads it. */
  async complete(id: string, size: number, sha256: string): Promise<boolean> {
    const { affected } = await rawWrite(
      this.dataSource,
      `UPDATE artifacts SET size = $2, sha256 = $3, completed_at = now(), last_used_at = now()
       WHERE id = $1`,
      [id, size, sha256],
    );
    return affected === 1;
  }

  /** Removes an artifact and (by cascade) its chunks. */
  async remove(id: string): Promise<void> {
    await rawWrite(this.dataSource, `DELETE FROM artifacts WHERE id = $1`, [id]);
  }

  /**
   * Which of `ids` are complete artifacts, marking each as used now (inside the publishing
   * transaction, so retention counts from the event that names it).
   */
  async touchExisting(m: EntityManager, ids: string[]): Promise<Set<string>> {
    const { rows } = await rawWrite<{ id: string }>(
      m,
      `UPDATE artifacts SET last_used_at = greatest(last_used_at, now())
       WHERE id = ANY($1::uuid[]) AND completed_at IS NOT NULL RETURNING id`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * The complete artifacts among `ids`. With `holdUntil` (the expiry of the links about to
   * be sent) each is kept until at least then, so it outlives them; a row already held to
   * within a minute of that is not written again, so the deliveries of one event to many
   * endpoints do not queue on its row lock.
   */
  async metas(ids: string[], holdUntil?: Date): Promise<ArtifactMeta[]> {
    // Raw: the hold and the read in one round trip.
    const rows: MetaRow[] = await this.dataSource.query(
      holdUntil
        ? `WITH held AS (
             UPDATE artifacts SET last_used_at = $2
             WHERE id = ANY($1::uuid[]) AND last_used_at < $2::timestamptz - interval '1 minute'
           )
           SELECT ${META} FROM artifacts a WHERE a.id = ANY($1::uuid[]) AND a.completed_at IS NOT NULL`
        : `SELECT ${META} FROM artifacts a WHERE a.id = ANY($1::uuid[]) AND a.completed_at IS NOT NULL`,
      holdUntil ? [ids, holdUntil] : [ids],
    );
    return rows.map(toMeta);
  }

  /** The whole bytes of (small) artifacts, for inlining. */
  async contents(ids: string[]): Promise<Map<string, Buffer>> {
    // Raw: chunks joined in order in SQL, one row per artifact.
    const rows: { id: string; content: Buffer | null }[] = await this.dataSource.query(
      `SELECT a.id, (SELECT string_agg(c.data, ''::bytea ORDER BY c.seq)
         FROM artifact_chunks c WHERE c.artifact_id = a.id) AS content
       FROM artifacts a WHERE a.id = ANY($1::uuid[]) AND a.completed_at IS NOT NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.content ?? Buffer.alloc(0)]));
  }

  async meta(id: string): Promise<ArtifactMeta | undefined> {
    const rows: MetaRow[] = await this.dataSource.query(
      `SELECT ${META} FROM artifacts a WHERE a.id = $1 AND a.completed_at IS NOT NULL`,
      [id],
    );
    return rows[0] && toMeta(rows[0]);
  }

  /** Chunk `seq` of an artifact, or undefined past its last chunk (or once it is removed). */
  async chunk(id: string, seq: number): Promise<Buffer | undefined> {
    const rows: { data: Buffer }[] = await this.dataSource.query(
      `SELECT data FROM artifact_chunks WHERE artifact_id = $1 AND seq = $2`,
      [id, seq],
    );
    return rows[0]?.data;
  }
}
