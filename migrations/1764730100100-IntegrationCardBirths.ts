import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each card was created, as far as the hub has been told, whatever integrations existed
 * then: the creation cutoff reads it for a card an integration has not projected and whose
 * event carries no `data.createdAt` (a `card.updated` about a card older than the integration
 * created an issue before). Filled from what the hub already holds: the `card.created` events
 * still in the bus log (when they occurred) and the creation times integrations projected,
 * leaving out cards deleted since. A card's row goes when the card is deleted.
 */
export class IntegrationCardBirths1764730100100 implements MigrationInterface {
  name = 'IntegrationCardBirths1764730100100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE integration_card_births (
         card_id text PRIMARY KEY,
         created_at timestamptz NOT NULL
       )`,
    );
    await q.query(
      `INSERT INTO integration_card_births (card_id, created_at)
       SELECT card_id, min(at) FROM (
           SELECT subject AS card_id, occurred_at AS at FROM events
            WHERE type = 'card.created' AND subject IS NOT NULL
           UNION ALL
           SELECT card_id, card_created_at FROM integration_cards
            WHERE card_created_at IS NOT NULL AND NOT deleted
         ) born
        WHERE card_id NOT IN (SELECT subject FROM events
                               WHERE type = 'card.deleted' AND subject IS NOT NULL)
        GROUP BY card_id`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE integration_card_births`);
  }
}
