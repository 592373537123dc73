import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Matcher } from '../matching/trigger-filter.js';

export interface SilenceRow {
  id: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
  createdAt: Date;
}

const COLUMNS = `id, matchers, starts_at AS "startsAt", ends_at AS "endsAt", created_by AS "createdBy",
  comment, created_at AS "createdAt"`;

/** SQL over event_trigger_silences. */
@Injectable()
export class SilenceRepository {
  async insert(m: EntityManager, s: Omit<SilenceRow, 'id' | 'createdAt'>): Promise<SilenceRow> {
    const [row]: SilenceRow[] = await m.query(
      `INSERT INTO event_trigger_silences (matchers, starts_at, ends_at, created_by, comment)
       VALUES ($1::jsonb, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment],
    );
    return row;
  }

  async find(m: EntityManager, id: string): Promise<SilenceRow | undefined> {
    const [row]: SilenceRow[] = await m.query(
      `SELECT ${COLUMNS} FROM event_trigger_silences WHERE id = $1`,
      [id],
    );
    return row;
  }

  async remove(m: EntityManager, id: string): Promise<boolean> {
    const [, n]: [unknown, number] = await m.query(
      `DELETE FROM event_trigger_silences WHERE id = $1`,
      [id],
    );
    return n > 0;
  }

  /** Newest first, keyset paged by (created_at, id). */
  list(
    m: EntityManager,
    f: {
      state?: 'active' | 'pending' | 'expired';
      before?: { at: string; id: string };
      limit: number;
    },
  ): Promise<SilenceRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM event_trigger_silences
       WHERE ($1::text IS NULL
              OR ($1 = 'active' AND starts_at <= now() AND ends_at > now())
              OR ($1 = 'pending' AND starts_at > now())
              OR ($1 = 'expired' AND ends_at <= now()))
         AND ($2::timestamptz IS NULL OR (created_at, id) <
           (COALESCE((SELECT c.created_at FROM event_trigger_silences c WHERE c.id = $3::uuid), $2::timestamptz), $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [f.state ?? null, f.before?.at ?? null, f.before?.id ?? null, f.limit],
    );
  }

  /** Silences that have not ended: the matcher checks each event's time against them. */
  unexpired(m: EntityManager, at: Date): Promise<SilenceRow[]> {
    return m.query(`SELECT ${COLUMNS} FROM event_trigger_silences WHERE ends_at > $1`, [at]);
  }
}
