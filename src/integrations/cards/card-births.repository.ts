import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * When each card was created, as far as the hub has been told (a `data.createdAt`, or the
 * time of its `card.created`), whether or not an integration existed then: the creation
 * cutoff's answer for a card an integration has not projected and whose event does not say.
 * Written by the dispatch consumer in its cursor's transaction, one read and at most two
 * writes per batch. Raw SQL: array reads and an upsert that keeps the earliest time, on a
 * table no entity maps.
 */
@Injectable()
export class CardBirthsRepository {
  async createdAt(m: EntityManager, cardIds: string[]): Promise<Map<string, Date>> {
    if (cardIds.length === 0) return new Map();
    const rows: { cardId: string; at: Date }[] = await m.query(
      `SELECT card_id AS "cardId", created_at AS at FROM integration_card_births
        WHERE card_id = ANY($1::text[])`,
      [cardIds],
    );
    return new Map(rows.map((r) => [r.cardId, new Date(r.at)]));
  }

  /** Keeps the earlier of the stored and the given time per card; forgets deleted cards. */
  async save(m: EntityManager, born: Map<string, Date>, deleted: Set<string>): Promise<void> {
    if (born.size > 0)
      await m.query(
        `INSERT INTO integration_card_births (card_id, created_at)
         SELECT * FROM unnest($1::text[], $2::timestamptz[])
         ON CONFLICT (card_id) DO UPDATE
           SET created_at = LEAST(integration_card_births.created_at, EXCLUDED.created_at)`,
        [[...born.keys()], [...born.values()]],
      );
    if (deleted.size > 0)
      await m.query(`DELETE FROM integration_card_births WHERE card_id = ANY($1::text[])`, [
        [...deleted],
      ]);
  }
}
