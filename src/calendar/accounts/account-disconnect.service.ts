import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BindingRemoval } from '../bindings/binding-removal.js';
import { BindingRepository } from '../bindings/binding.repository.js';
import { CalendarException } from '../calendar.exception.js';
import { SyncScheduler } from '../binding-sync/sync-scheduler.js';
import { AccountRepository } from './account.repository.js';

/**
 * DELETE /calendar/account. In one transaction: every binding is deleted as a binding DELETE
 * does (cleanup jobs queued unless keepRemote), the account becomes a tombstone (hidden from
 * reads, refusing PUT), and an account-removal job is queued behind the user's cleanups. The
 * sealed password is thus kept exactly as long as a cleanup may still need it.
 */
@Injectable()
export class AccountDisconnectService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly accounts: AccountRepository,
    private readonly bindings: BindingRepository,
    private readonly removal: BindingRemoval,
    private readonly scheduler: SyncScheduler,
  ) {}

  async disconnect(userId: string, keepRemote: boolean): Promise<void> {
    await this.db.transaction(async (m) => {
      if (!(await this.accounts.lockConnected(m, userId, 'update')))
        throw CalendarException.noAccount();
      for (const binding of await this.bindings.list(m, userId)) {
        // The row lock a PATCH or DELETE of that binding takes: neither interleaves with this.
        await this.bindings.lock(m, binding.id, userId);
        await this.removal.remove(m, binding, keepRemote);
      }
      await this.accounts.markDisconnected(m, userId);
      // Also with keepRemote: cleanups queued by earlier binding DELETEs still need the account.
      await this.scheduler.cleanup({ userId, removeAccount: true }, m);
    });
  }
}
