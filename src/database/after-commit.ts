import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';

/**
 * Runs work once the transaction of an EntityManager has committed, and forgets it if that
 * transaction rolls back: a bus consumer's batch that is rolled back and replayed must not be
 * counted twice by the metrics. Keyed by the transaction's query runner (one per
 * `dataSource.transaction`), through TypeORM's transaction events. Outside a transaction the
 * work runs at once. Work staged inside a nested TypeORM transaction (a savepoint) waits for
 * the outermost commit, so stage it only once the writes it counts have succeeded.
 */
@Injectable()
export class AfterCommit implements EntitySubscriberInterface {
  private readonly logger = new Logger(AfterCommit.name);
  private readonly pending = new WeakMap<QueryRunner, (() => void)[]>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  run(manager: EntityManager, work: () => void): void {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) return this.safely(work);
    const staged = this.pending.get(runner);
    if (staged) staged.push(work);
    else this.pending.set(runner, [work]);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive) return; // a savepoint was released, not the transaction
    const staged = this.pending.get(queryRunner);
    this.pending.delete(queryRunner);
    staged?.forEach((work) => this.safely(work));
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
  }

  /** A throw here would surface as a failed commit of work that did commit. */
  private safely(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.logger.warn(`after-commit work failed: ${(err as Error).message}`);
    }
  }
}
