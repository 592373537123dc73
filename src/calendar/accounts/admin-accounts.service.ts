import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import { BindingRepository } from '../bindings/binding.repository.js';
import type { AdminAccountDto, AdminAccountPageDto } from '../dto/admin-account.dto.js';
import { AccountRepository } from './account.repository.js';
import { worstError } from './worst-error.js';

/** Operators' view of every user's CalDAV account, without credentials. */
@Injectable()
export class AdminAccountsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly accounts: AccountRepository,
    private readonly bindings: BindingRepository,
  ) {}

  /** Connected accounts by user id, keyset-paged (the cursor names the last user shown). */
  async list(cursor: string | undefined, limit: number): Promise<AdminAccountPageDto> {
    const m = this.db.manager;
    const after = cursor
      ? decodeCursor<{ user: string }>(cursor, { user: 'text' }).user
      : undefined;
    const rows = await this.accounts.listConnected(m, after, limit + 1);
    const shown = rows.slice(0, limit);
    const bindings = await this.bindings.states(m, In(shown.map((a) => a.userId)));
    return paginate(
      rows,
      limit,
      (last) => ({ user: last.userId }),
      (a): AdminAccountDto => {
        const own = bindings.filter((b) => b.userId === a.userId);
        return {
          userId: a.userId,
          serverUrl: a.serverUrl,
          username: a.username,
          principalUrl: a.principalUrl,
          homeSetUrl: a.homeSetUrl,
          bindings: own.length,
          failingBindings: own.filter((b) => b.enabled && b.lastSyncError !== null).length,
          worstError: worstError(own.map((b) => b.lastSyncError)),
          createdAt: a.createdAt.toISOString(),
          updatedAt: a.updatedAt.toISOString(),
        };
      },
    );
  }
}
