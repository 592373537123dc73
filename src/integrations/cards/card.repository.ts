import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CardState, PendingMessage } from '../kinds/connector.js';
import { storableText } from '../../common/http/storable-text.js';
import { rawWrite } from '../../database/raw-write.js';

/** The fields a card event carries; undefined leaves the stored value as it is. */
export interface CardFields {
  title?: string;
  description?: string;
  column?: string;
  tags?: string[];
  assignee?: string | null;
  url?: string | null;
  createdAt?: Date;
}

export interface CardRow extends CardState {
  deleted: boolean;
  cardCreatedAt: Date | null;
  lastSyncedAt: Date | null;
  lastError: string | null;
  pendingComments: number;
}

const SELECT = `
  SELECT card_id AS "cardId", title, description, column_name AS "column", tags, assignee, url,
         last_event_type AS "lastEventType", remote_key AS "remoteKey", remote_id AS "remoteId",
         create_attempted_at AS "createAttemptedAt", synced_fields_hash AS "syncedFieldsHash",
         synced_column AS "syncedColumn", synced_url AS "syncedUrl", deleted,
         card_created_at AS "cardCreatedAt", last_synced_at AS "lastSyncedAt", last_error AS "lastError",
         (SELECT count(*)::int FROM integration_messages m
           WHERE m.integration_id = c.integration_id AND m.card_id = c.card_id
             AND m.remote_comment_id IS NULL) AS "pendingComments"
    FROM integration_cards c`;

/**
 * The module's projection of cards, their pending messages, and the sync progress columns.
 * Raw SQL throughout: these rows are written by the bus consumer and the sync job (upserts,
 * per-column merges, progress stamps), never through CRUD, and no entity maps them.
 */
@Injectable()
export class CardRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(
    integrationId: string,
    cardId: string,
    m: EntityManager = this.db.manager,
  ): Promise<CardRow | undefined> {
    // Raw: the pending-comment count is a correlated subquery in the same read.
    const rows: CardRow[] = await m.query(`${SELECT} WHERE integration_id = $1 AND card_id = $2`, [
      integrationId,
      cardId,
    ]);
    return rows[0];
  }

  /** Latest known fields of a card (a card event), creating the projection row. */
  async upsert(
    m: EntityManager,
    integrationId: string,
    cardId: string,
    eventType: string,
    f: CardFields,
  ): Promise<void> {
    // Raw: one upsert that merges only the fields the event carries (coalesce per column).
    await m.query(
      `INSERT INTO integration_cards
         (integration_id, card_id, title, description, column_name, tags, assignee, url, card_created_at, last_event_type, deleted)
       VALUES ($1, $2, coalesce($3, ''), coalesce($4, ''), $5, coalesce($6::text[], '{}'), $7, $8, $9, $10, $11)
       ON CONFLICT (integration_id, card_id) DO UPDATE SET
         title = coalesce($3, integration_cards.title),
         description = coalesce($4, integration_cards.description),
         column_name = coalesce($5, integration_cards.column_name),
         tags = coalesce($6::text[], integration_cards.tags),
         assignee = CASE WHEN $12 THEN $7 ELSE integration_cards.assignee END,
         url = CASE WHEN $13 THEN $8 ELSE integration_cards.url END,
         card_created_at = coalesce(integration_cards.card_created_at, $9),
         last_event_type = $10,
         deleted = integration_cards.deleted OR $11,
         updated_at = now()`,
      [
        integrationId,
        cardId,
        f.title ?? null,
        f.description ?? null,
        f.column ?? null,
        f.tags ?? null,
        f.assignee ?? null,
        f.url ?? null,
        f.createdAt ?? null,
        eventType,
        eventType === 'card.deleted',
        f.assignee !== undefined,
        f.url !== undefined,
      ],
    );
  }

  /** A message to post as a comment; a replayed event adds nothing. */
  async addMessage(
    m: EntityManager,
    integrationId: string,
    cardId: string,
    msg: Omit<PendingMessage, 'attemptedAt'>,
  ): Promise<void> {
    // Raw: ON CONFLICT DO NOTHING makes a replayed event a no-op in the consumer's transaction.
    await m.query(
      `INSERT INTO integration_messages (integration_id, card_id, message_id, body, author)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [integrationId, cardId, msg.messageId, msg.body, msg.author],
    );
  }

  pendingMessages(integrationId: string, cardId: string): Promise<PendingMessage[]> {
    // Raw: a bounded, ordered read of the unposted messages, no entity for them.
    return this.db.query(
      `SELECT message_id AS "messageId", body, author, attempted_at AS "attemptedAt" FROM integration_messages
        WHERE integration_id = $1 AND card_id = $2 AND remote_comment_id IS NULL
        ORDER BY created_at, message_id LIMIT 100`,
      [integrationId, cardId],
    );
  }

  /** Sets sync progress columns (only the listed ones) and stamps the sync time. */
  async progress(
    integrationId: string,
    cardId: string,
    set: Partial<Record<ProgressColumn, unknown>>,
  ): Promise<void> {
    const entries = Object.entries(set) as [ProgressColumn, unknown][];
    const assignments = entries.map(([col], i) => `${COLUMNS[col]} = $${i + 3}`);
    // Raw: only the listed columns change, stamped with the database's now().
    await this.db.query(
      `UPDATE integration_cards SET ${[...assignments, 'last_synced_at = now()'].join(', ')}
        WHERE integration_id = $1 AND card_id = $2`,
      // Keys, ids and errors come from the peer: storable whatever it sent.
      [
        integrationId,
        cardId,
        ...entries.map(([, v]) => (typeof v === 'string' ? storableText(v) : v)),
      ],
    );
  }

  async commentAttempted(integrationId: string, messageId: string): Promise<void> {
    // Raw: one-column stamp on a row no entity maps.
    await this.db.query(
      `UPDATE integration_messages SET attempted_at = now() WHERE integration_id = $1 AND message_id = $2`,
      [integrationId, messageId],
    );
  }

  async commentPosted(integrationId: string, messageId: string, remoteId: string): Promise<void> {
    // Raw: one-column stamp on a row no entity maps.
    await this.db.query(
      `UPDATE integration_messages SET remote_comment_id = $3 WHERE integration_id = $1 AND message_id = $2`,
      [integrationId, messageId, storableText(remoteId) || 'unknown'],
    );
  }

  /**
   * Clears the fields' sync mark of every card of the integration that is linked to an issue,
   * not deleted and not opted out, so each one's next job sends title and description again;
   * answers their ids. `eventType` is what the job's log rows will name.
   */
  async markFieldsForRepush(
    m: EntityManager,
    integrationId: string,
    optOutTag: string,
    eventType: string,
  ): Promise<string[]> {
    // Raw: one set-based UPDATE ... RETURNING in the consumer's transaction, whatever the count.
    const { rows } = await rawWrite<{ cardId: string }>(
      m,
      `UPDATE integration_cards SET synced_fields_hash = NULL, last_event_type = $3, updated_at = now()
        WHERE integration_id = $1 AND remote_key IS NOT NULL AND NOT deleted
          AND NOT EXISTS (SELECT 1 FROM unnest(tags) tag WHERE lower(tag) = lower($2))
        RETURNING card_id AS "cardId"`,
      [integrationId, optOutTag, eventType],
    );
    return rows.map((r) => r.cardId);
  }

  /** Forgets what was synced so the next job sends the card's whole state again. */
  async forgetSynced(m: EntityManager, integrationId: string, cardId: string): Promise<boolean> {
    // Raw: clears the progress columns in the resync's transaction; the count says the card exists.
    const { affected } = await rawWrite(
      m,
      `UPDATE integration_cards SET synced_fields_hash = NULL, synced_column = NULL, synced_url = NULL, last_error = NULL
        WHERE integration_id = $1 AND card_id = $2`,
      [integrationId, cardId],
    );
    return affected > 0;
  }
}

// Fixed column names only: the SET list is never built from input.
const COLUMNS = {
  remoteKey: 'remote_key',
  remoteId: 'remote_id',
  createAttemptedAt: 'create_attempted_at',
  syncedFieldsHash: 'synced_fields_hash',
  syncedColumn: 'synced_column',
  syncedUrl: 'synced_url',
  lastError: 'last_error',
} as const;
export type ProgressColumn = keyof typeof COLUMNS;
