import { createHash } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';

/** The slice of node-postgres' client a prepared statement needs. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
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
 * set a connection keeps prepared is bounded by the code, not by the traffic. Outside a
 * transaction's manager (no query runner to pin a connection) it runs as a plain query.
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

  async run<T>(m: EntityManager, values: unknown[]): Promise<T[]> {
    const runner = m.queryRunner;
    if (!runner || runner.isReleased) return (await m.query(this.text, values)) as T[];
    const client = (await runner.connect()) as PgClient;
    try {
      const result = await client.query({ name: this.name, text: this.text, values });
      return result.rows as T[];
    } catch (error) {
      // The same error type TypeORM raises, so callers and the problem filter see no change.
      throw new QueryFailedError(this.text, values, error as Error);
    }
  }
}
