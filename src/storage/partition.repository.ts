import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** One partition of a range-partitioned log. */
export interface Partition {
  name: string;
  /** Lower bound; null for MINVALUE (the partition a migration made of the old table). */
  from: Date | null;
  /** Upper bound (exclusive); null for the DEFAULT partition. */
  to: Date | null;
  isDefault: boolean;
  /** The planner's estimate (pg_class.reltuples; -1 before the first VACUUM or ANALYZE). */
  estimatedRows: number;
}

/** A dropped partition's rows are counted below this size, estimated above it. */
const EXACT_COUNT_BELOW = 1_000_000;

/**
 * Partition DDL waits at most this long for its lock: while it waits, every reader and writer
 * of the table queues behind it, so it gives up soon and tries again a little later.
 */
const LOCK_TIMEOUT_MS = 200;
const LOCK_TRIES = 5;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The DDL of partition maintenance: raw SQL, as TypeORM has no partition API. Table names
 * come from RETENTION_TABLES (constants) or from the catalog, never from input.
 */
@Injectable()
export class PartitionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The partitions of `parent`, oldest range first, the DEFAULT one last. */
  async list(parent: string, m: EntityManager = this.dataSource.manager): Promise<Partition[]> {
    // The bounds are read back as timestamptz in the session that printed them, so the text
    // form (DateStyle, TimeZone) never matters.
    const rows: { name: string; from: Date | null; to: Date | null; rows: string }[] =
      await m.query(
        `SELECT c.relname AS name,
           (regexp_match(b.expr, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS "from",
           (regexp_match(b.expr, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS "to",
           c.reltuples::bigint::text AS rows
         FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
         WHERE i.inhparent = $1::regclass
         ORDER BY b.expr = 'DEFAULT', 3 NULLS LAST`,
        [parent],
      );
    return rows.map((r) => ({
      name: r.name,
      from: r.from,
      to: r.to,
      isDefault: r.to === null,
      estimatedRows: Number(r.rows),
    }));
  }

  /**
   * Creates the partition [from, to) of `parent`, moving into it any rows the DEFAULT
   * partition took for that range meanwhile (else PostgreSQL refuses the new range).
   * Instances serialize on an advisory lock; a range that exists already is skipped.
   */
  async create(parent: string, timeColumn: string, from: Date, to: Date): Promise<boolean> {
    const name = partitionName(parent, from);
    return this.ddl(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('storage.partitions'), hashtext($1))`, [
        parent,
      ]);
      const existing = await this.list(parent, m);
      if (existing.some((p) => p.name === name)) return false;
      // Creating a partition takes this lock anyway; taken first, before any partition is
      // read, no writer can hold a partition this needs while waiting for the parent.
      await m.query(`LOCK TABLE ${parent} IN ACCESS EXCLUSIVE MODE`);
      const fallback = existing.find((p) => p.isDefault);
      const range = [from.toISOString(), to.toISOString()];
      const [{ strays }]: { strays: boolean }[] = fallback
        ? await m.query(
            `SELECT EXISTS (SELECT 1 FROM ${fallback.name}
               WHERE ${timeColumn} >= $1::timestamptz AND ${timeColumn} < $2::timestamptz) AS strays`,
            range,
          )
        : [{ strays: false }];
      if (!strays) {
        await m.query(
          `CREATE TABLE ${name} PARTITION OF ${parent}
           FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')`,
        );
        return true;
      }
      // Rare (maintenance stopped for longer than the partitions ahead): take the DEFAULT
      // partition out, create the range, move its rows through the parent, put it back.
      await m.query(`ALTER TABLE ${parent} DETACH PARTITION ${fallback!.name}`);
      await m.query(
        `CREATE TABLE ${name} PARTITION OF ${parent}
         FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')`,
      );
      await m.query(
        `WITH moved AS (DELETE FROM ${fallback!.name}
           WHERE ${timeColumn} >= $1::timestamptz AND ${timeColumn} < $2::timestamptz RETURNING *)
         INSERT INTO ${parent} SELECT * FROM moved`,
        range,
      );
      await m.query(`ALTER TABLE ${parent} ATTACH PARTITION ${fallback!.name} DEFAULT`);
      return true;
    });
  }

  /**
   * Drops `partition` of `parent` if `guard` (SQL naming `{partition}`) holds. Returns the
   * rows it held (estimated past a million), or null when the guard kept it.
   */
  async drop(parent: string, partition: Partition, guard?: string): Promise<number | null> {
    return this.ddl(async (m) => {
      // Dropping takes this lock anyway; first, so the guard's read never has to upgrade.
      await m.query(`LOCK TABLE ${parent} IN ACCESS EXCLUSIVE MODE`);
      if (guard) {
        const [{ ok }]: { ok: boolean }[] = await m.query(
          `SELECT (${guard.replaceAll('{partition}', partition.name)}) AS ok`,
        );
        if (!ok) return null;
      }
      // Counted below a million rows (an estimate can be stale, or -1 before the first
      // ANALYZE); past that the planner's estimate, as a count would scan the whole range.
      const rows =
        partition.estimatedRows >= EXACT_COUNT_BELOW
          ? partition.estimatedRows
          : Number(
              (
                await m.query<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${partition.name}`)
              )[0].n,
            );
      // Milliseconds under the lock: no row is rewritten or deleted one by one.
      await m.query(`DROP TABLE ${partition.name}`);
      return rows;
    });
  }

  /**
   * One DDL transaction under a short lock_timeout, tried again after a pause when the lock
   * was not free (a long transaction on the table); after the last try the error goes up and
   * the next maintenance run tries again.
   */
  private async ddl<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (m) => {
          await m.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
          return work(m);
        });
      } catch (err) {
        const e = err as { code?: string; driverError?: { code?: string } };
        const code = e.code ?? e.driverError?.code;
        if (code !== LOCK_NOT_AVAILABLE || attempt >= LOCK_TRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, attempt * LOCK_TIMEOUT_MS));
      }
    }
  }
}

/** `events_p202612070000`: the table and the lower bound in UTC, to the minute. */
export function partitionName(parent: string, from: Date): string {
  const stamp = from.toISOString().slice(0, 16).replace(/[-:T]/g, '');
  return `${parent}_p${stamp}`;
}
