import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

/** The slice of node-postgres' client and pool a prepared statement needs. */
interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{
    rows: unknown[];
    rowCount: number | null;
  }>;
}

/**
 * A named, server-side prepared statement for a hot path's fixed SQL text.
 *
 * TypeORM sends every raw query unnamed, so PostgreSQL parses, analyses and plans it again on
 * each call: for the sync push's CTEs that was a millisecond of PostgreSQL's CPU per
 * statement, more than some of them take to run (docs/performance.md, "Sync push, round
 * two"). Named, each connection parses a statement once, and after five runs PostgreSQL
 * keeps a generic plan when it is no worse than the custom ones.
 *
 * Only for statements whose text never changes: define them once at module level, so the
 * set a connection keeps prepared is bounded by the code, not by the traffic. In a
 * transaction it runs on the transaction's connection; given the DataSource (or a manager
 * outside a transaction) it runs on any pooled connection, preparing it there if needed.
 * With PgBouncer in transaction mode, PgBouncer 1.21+ with `max_prepared_statements` set
 * is needed (docs/operations.md).
 */
export class PreparedStatement {
  readonly name: string;

  constructor(
    label: string,
    readonly text: string,
  ) {
    // The hash ties the name to the text: a changed statement in a rolling deploy gets a new
    // name, never another statement's plan on a connection that prepared the old one.
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
    this.name = `${label}.${digest}`;
  }

  /** The rows the statement returned. */
  async run<T>(db: EntityManager | DataSource, values: unknown[]): Promise<T[]> {
    return (await this.execute(db, values)).rows as T[];
  }

  /** The rows it returned and how many it touched (for UPDATE and DELETE without RETURNING). */
  async write<T>(
    db: EntityManager | DataSource,
    values: unknown[],
  ): Promise<{ rows: T[]; affected: number }> {
    const result = await this.execute(db, values);
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  }

  private async execute(db: EntityManager | DataSource, values: unknown[]) {
    try {
      return await (await this.target(db)).query({ name: this.name, text: this.text, values });
    } catch (error) {
      // The same error type TypeORM raises, so callers and the problem filter see no change.
      throw new QueryFailedError(this.text, values, error as Error);
    }
  }

  private async target(db: EntityManager | DataSource): Promise<PgQueryable> {
    const runner = db instanceof DataSource ? undefined : db.queryRunner;
    if (runner && !runner.isReleased) return (await runner.connect()) as PgQueryable;
    const source = db instanceof DataSource ? db : db.connection;
    // node-postgres' pool: it checks a client out for the one query and knows per client
    // which statement names that connection has prepared.
    return (source.driver as unknown as { master: PgQueryable }).master;
  }
}
