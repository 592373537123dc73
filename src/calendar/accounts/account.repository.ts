import { Injectable } from '@nestjs/common';
import { storableText } from '../../common/http/storable-text.js';
import type { EntityManager } from 'typeorm';

export interface AccountRow {
  userId: string;
  serverUrl: string;
  username: string;
  passwordSealed: string;
  principalUrl: string | null;
  homeSetUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT = `SELECT user_id AS "userId", server_url AS "serverUrl", username,
  password_sealed AS "passwordSealed", principal_url AS "principalUrl", home_set_url AS "homeSetUrl",
  created_at AS "createdAt", updated_at AS "updatedAt" FROM calendar_accounts`;

/** One CalDAV account per user; the password column only ever holds a sealed value. */
@Injectable()
export class AccountRepository {
  /** The connected account; one being disconnected reads as absent. */
  async get(m: EntityManager, userId: string): Promise<AccountRow | null> {
    const [row]: AccountRow[] = await m.query(
      `${SELECT} WHERE user_id = $1 AND disconnected_at IS NULL`,
      [userId],
    );
    return row ?? null;
  }

  /** Connected or being disconnected: the cleanup still needs the credentials of the latter. */
  async getForCleanup(m: EntityManager, userId: string): Promise<AccountRow | null> {
    const [row]: AccountRow[] = await m.query(`${SELECT} WHERE user_id = $1`, [userId]);
    return row ?? null;
  }

  async isDisconnecting(m: EntityManager, userId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM calendar_accounts WHERE user_id = $1 AND disconnected_at IS NOT NULL`,
      [userId],
    );
    return rows.length > 0;
  }

  /**
   * Locks the connected account until the transaction ends: FOR UPDATE for a disconnect,
   * FOR SHARE for a new binding, so a binding never lands on an account being disconnected.
   */
  async lockConnected(
    m: EntityManager,
    userId: string,
    mode: 'update' | 'share',
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM calendar_accounts WHERE user_id = $1 AND disconnected_at IS NULL
       FOR ${mode === 'update' ? 'UPDATE' : 'SHARE'}`,
      [userId],
    );
    return rows.length > 0;
  }

  async markDisconnected(m: EntityManager, userId: string): Promise<void> {
    await m.query(
      `UPDATE calendar_accounts SET disconnected_at = now(), updated_at = now() WHERE user_id = $1`,
      [userId],
    );
  }

  /** The end of a disconnect: the row and its sealed password go. A reconnected row stays. */
  async removeDisconnected(m: EntityManager, userId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `DELETE FROM calendar_accounts WHERE user_id = $1 AND disconnected_at IS NOT NULL RETURNING 1`,
      [userId],
    );
    return rows.length > 0;
  }

  async save(
    m: EntityManager,
    a: Omit<AccountRow, 'createdAt' | 'updatedAt'>,
  ): Promise<{ created: boolean } | null> {
    // No row back when the account is being disconnected: the caller answers 409.
    const [row]: { created: boolean }[] = await m.query(
      `INSERT INTO calendar_accounts (user_id, server_url, username, password_sealed, principal_url, home_set_url)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET server_url = EXCLUDED.server_url, username = EXCLUDED.username,
         password_sealed = EXCLUDED.password_sealed, principal_url = EXCLUDED.principal_url,
         home_set_url = EXCLUDED.home_set_url, updated_at = now()
       WHERE calendar_accounts.disconnected_at IS NULL
       RETURNING (xmax = 0) AS created`,
      [
        a.userId,
        a.serverUrl,
        a.username,
        a.passwordSealed,
        // Discovered from the server (parsed URLs, so escaped already): storable either way.
        storableText(a.principalUrl),
        storableText(a.homeSetUrl),
      ],
    );
    return row ?? null;
  }
}
