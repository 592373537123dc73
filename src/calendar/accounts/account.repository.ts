import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { storableText } from '../../common/http/storable-text.js';
import { rawWrite } from '../../database/raw-write.js';
import { CalendarAccountEntity } from './account.entity.js';

export type AccountRow = CalendarAccountEntity;

/** What PUT /calendar/account writes. */
export type AccountFields = Pick<
  CalendarAccountEntity,
  'userId' | 'serverUrl' | 'username' | 'passwordSealed' | 'principalUrl' | 'homeSetUrl'
>;

/**
 * One CalDAV account per user; the password column only ever holds a sealed value. Each
 * method takes the caller's EntityManager, so it runs in the caller's transaction.
 */
@Injectable()
export class AccountRepository {
  constructor(
    @InjectRepository(CalendarAccountEntity)
    private readonly accounts: Repository<CalendarAccountEntity>,
  ) {}

  /** The connected account; one being disconnected reads as absent. */
  get(m: EntityManager, userId: string): Promise<AccountRow | null> {
    return m.withRepository(this.accounts).findOneBy({ userId, disconnectedAt: IsNull() });
  }

  /** Connected or being disconnected: the cleanup still needs the credentials of the latter. */
  getForCleanup(m: EntityManager, userId: string): Promise<AccountRow | null> {
    return m.withRepository(this.accounts).findOneBy({ userId });
  }

  /** Connected accounts by user id after `after`, at most `limit`. */
  listConnected(m: EntityManager, after: string | undefined, limit: number): Promise<AccountRow[]> {
    return m.withRepository(this.accounts).find({
      where: { disconnectedAt: IsNull(), ...(after !== undefined && { userId: MoreThan(after) }) },
      order: { userId: 'ASC' },
      take: limit,
    });
  }

  isDisconnecting(m: EntityManager, userId: string): Promise<boolean> {
    return m.withRepository(this.accounts).existsBy({ userId, disconnectedAt: Not(IsNull()) });
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
    const row = await m.withRepository(this.accounts).findOne({
      select: { userId: true },
      where: { userId, disconnectedAt: IsNull() },
      lock: { mode: mode === 'update' ? 'pessimistic_write' : 'pessimistic_read' },
    });
    return row !== null;
  }

  async markDisconnected(m: EntityManager, userId: string): Promise<void> {
    await m.withRepository(this.accounts).update({ userId }, { disconnectedAt: () => 'now()' });
  }

  /** The end of a disconnect: the row and its sealed password go. A reconnected row stays. */
  async removeDisconnected(m: EntityManager, userId: string): Promise<boolean> {
    const { affected } = await m
      .withRepository(this.accounts)
      .delete({ userId, disconnectedAt: Not(IsNull()) });
    return (affected ?? 0) > 0;
  }

  async save(m: EntityManager, a: AccountFields): Promise<{ created: boolean } | null> {
    // Why raw: one atomic upsert that leaves a tombstone alone and says whether it created
    // the row (xmax = 0); no row back when the account is being disconnected (the caller
    // answers 409).
    const { rows } = await rawWrite<{ created: boolean }>(
      m,
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
    return rows[0] ?? null;
  }
}
