import pg from 'pg';
import { runMigrations } from '../../src/database/migrations.js';
import { emptyDatabase, migrateBefore } from '../support/migration-database.js';

/**
 * The two seed-compatibility migrations run on a database that holds rows: triggers saved
 * before keep the body their receivers know and lose their blank shorthands; the creation
 * times the hub was told (card.created events still logged, projected creation times) are
 * remembered for the creation cutoff, deleted cards left out.
 */
const FIRST = 'TriggerSeedPayload1764730100000';

describe('seed-compatibility migrations on a database with data', () => {
  it('keeps old triggers on the hub body, drops blank shorthands, and remembers known card creation times', async () => {
    const url = await emptyDatabase('seedmig');
    await migrateBefore(url, FIRST);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const trigger = (name: string, filter: object) =>
        c.query(
          `INSERT INTO event_triggers (id, name, filter, action_url, secret_sealed, target_id)
           VALUES (gen_random_uuid(), $1, $2::jsonb, 'https://x.example/', 's', gen_random_uuid())`,
          [name, JSON.stringify(filter)],
        );
      await trigger('blank', { severity: '', source: ' , ', messageRegex: '' });
      await trigger('kept', { severity: 'error', source: 'nas', messageRegex: ' ' });
      await trigger('mixed', { severity: '\t', severityAtLeast: 'warning' });
      const event = (type: string, subject: string, occurredAt: string) =>
        c.query(
          `INSERT INTO events (type, source, subject, occurred_at) VALUES ($1, 'kanban', $2, $3)`,
          [type, subject, occurredAt],
        );
      await event('card.created', 'card-a', '2026-01-02T00:00:00Z');
      await event('card.updated', 'card-a', '2026-01-03T00:00:00Z');
      await event('card.updated', 'card-u', '2026-01-04T00:00:00Z'); // never created: unknown
      await event('card.created', 'card-d', '2026-01-05T00:00:00Z');
      await event('card.deleted', 'card-d', '2026-01-06T00:00:00Z');
      const [{ id: integration }] = (
        await c.query<{ id: string }>(
          `INSERT INTO integrations (kind, name, event_filter, config_sealed)
           VALUES ('jira', 'j', '{*}', 'x') RETURNING id`,
        )
      ).rows;
      await c.query(
        `INSERT INTO integration_cards (integration_id, card_id, card_created_at, last_event_type)
         VALUES ($1, 'card-a', '2026-01-01T00:00:00Z', 'card.created'),
                ($1, 'card-p', '2026-02-01T00:00:00Z', 'card.created')`,
        [integration],
      );

      expect(await runMigrations(url)).toEqual(
        expect.arrayContaining([FIRST, 'IntegrationCardBirths1764730100100']),
      );

      const { rows: triggers } = await c.query<{
        name: string;
        filter: object;
        payload_format: string;
        signature: object;
      }>(`SELECT name, filter, payload_format, signature FROM event_triggers ORDER BY name`);
      expect(triggers).toEqual([
        {
          name: 'blank',
          filter: {},
          payload_format: 'hub',
          signature: { scheme: 'standard-webhooks' },
        },
        {
          name: 'kept',
          filter: { severity: 'error', source: 'nas', messageRegex: ' ' },
          payload_format: 'hub',
          signature: { scheme: 'standard-webhooks' },
        },
        {
          name: 'mixed',
          filter: { severityAtLeast: 'warning' },
          payload_format: 'hub',
          signature: { scheme: 'standard-webhooks' },
        },
      ]);
      // New rows default to the seed's body.
      await trigger('new', {});
      const { rows: fresh } = await c.query<{ payload_format: string }>(
        `SELECT payload_format FROM event_triggers WHERE name = 'new'`,
      );
      expect(fresh[0].payload_format).toBe('tiny-forge');

      const { rows: births } = await c.query<{ card_id: string; at: string }>(
        `SELECT card_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS at
           FROM integration_card_births ORDER BY card_id`,
      );
      expect(births).toEqual([
        { card_id: 'card-a', at: '2026-01-01' }, // the earlier of projection and card.created
        { card_id: 'card-p', at: '2026-02-01' },
      ]);
    } finally {
      await c.end();
    }
  });
});
