import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The integration log records a card the creation cutoff left out (operation `cutoff`), once
 * per card: the dispatch consumer checks for an earlier row before adding one, and the card
 * view's 404 reads it to say why. A partial index keeps both to one probe however long the
 * log is, and costs nothing for the rows of remote calls.
 */
export class IntegrationCutoffLog1764862400000 implements MigrationInterface {
  name = 'IntegrationCutoffLog1764862400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX integration_logs_cutoff_idx ON integration_logs (integration_id, card_id)
        WHERE operation = 'cutoff'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX integration_logs_cutoff_idx`);
  }
}
