import { Injectable } from '@nestjs/common';
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
  async get(m: EntityManager, userId: string): Promise<AccountRow | null> {
    const [row]: AccountRow[] = await m.query(`${SELECT} WHERE user_id = $1`, [userId]);
    return row ?? null;
  }

  async save(
    m: EntityManager,
    a: Omit<AccountRow, 'createdAt' | 'updatedAt'>,
  ): Promise<{ created: boolean }> {
    const [row]: { created: boolean }[] = await m.query(
      `INSERT INTO calendar_accounts (user_id, server_url, username, password_sealed, principal_url, home_set_url)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET server_url = EXCLUDED.server_url, username = EXCLUDED.username,
         password_sealed = EXCLUDED.password_sealed, principal_url = EXCLUDED.principal_url,
         home_set_url = EXCLUDED.home_set_url, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [a.userId, a.serverUrl, a.username, a.passwordSealed, a.principalUrl, a.homeSetUrl],
    );
    return row;
  }
}
