import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bus log (`events`) and the attempt logs (`webhook_attempts`, `job_attempts`) become
 * range-partitioned by time, so retention drops whole partitions instead of deleting rows
 * (docs/operations.md, "Partitioned logs", has the measurements behind the choice).
 *
 * No row is copied: each existing table becomes the first partition of its new parent
 * (`<table>_legacy`, every time up to the next minute or its newest row), so the migration
 * costs one scan to validate the bound and one index build (the key now includes the time
 * column, as PostgreSQL requires of a partitioned table's primary key). A DEFAULT partition
 * takes any row no range covers, so an insert never fails for want of a partition;
 * storage.maintenance creates the ranges ahead (STORAGE_PARTITION_INTERVAL) and drops
 * expired ones.
 *
 * The id columns stop being identity columns (PostgreSQL before 17 refuses identity on a
 * partitioned table): each gets a sequence of its own that starts where the identity was.
 *
 * The attempt logs lose their foreign keys to `webhook_deliveries` and `jobs`. With them,
 * every deleted delivery or job probed an index in every range for attempts to cascade to,
 * and every range made or dropped took a lock on those two busy tables. Attempts share their
 * parent's retention and go with their range; an attempt whose delivery or job was deleted
 * first (an endpoint removed) is no longer listed anywhere and goes with its range too.
 */
interface PartitionedLog {
  table: string;
  timeColumn: string;
  idColumn: string;
  indexes: [name: string, columns: string][];
  /** The foreign key the old table had: dropped (see above), restored by `down`. */
  foreignKey?: { name: string; definition: string };
}

const LOGS: PartitionedLog[] = [
  {
    table: 'events',
    timeColumn: 'created_at',
    idColumn: 'id',
    indexes: [
      ['events_tx_id_idx', '(tx, id)'],
      ['events_type_id_idx', '(type text_pattern_ops, id)'],
      ['events_source_id_idx', '(source, id)'],
      ['events_occurred_at_idx', '(occurred_at)'],
    ],
  },
  {
    table: 'webhook_attempts',
    timeColumn: 'started_at',
    idColumn: 'id',
    indexes: [
      ['webhook_attempts_delivery_idx', '(delivery_id, id)'],
      ['webhook_attempts_endpoint_started_idx', '(endpoint_id, started_at)'],
      ['webhook_attempts_started_idx', '(started_at)'],
    ],
    foreignKey: {
      name: 'webhook_attempts_delivery_id_fkey',
      definition: 'FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE',
    },
  },
  {
    table: 'job_attempts',
    timeColumn: 'started_at',
    idColumn: 'id',
    indexes: [
      ['job_attempts_job_idx', '(job_id, id)'],
      ['job_attempts_started_idx', '(started_at)'],
    ],
    foreignKey: {
      name: 'job_attempts_job_id_fkey',
      definition: 'FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE',
    },
  },
];

export class PartitionedLogs1764710000000 implements MigrationInterface {
  name = 'PartitionedLogs1764710000000';

  public async up(q: QueryRunner): Promise<void> {
    for (const log of LOGS) await partition(q, log);
    await q.query(
      `ALTER TABLE storage_prunes ADD COLUMN partitions_removed bigint NOT NULL DEFAULT 0`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE storage_prunes DROP COLUMN partitions_removed`);
    for (const log of LOGS) await unpartition(q, log);
  }
}

async function partition(q: QueryRunner, log: PartitionedLog): Promise<void> {
  const { table: t, timeColumn: col, idColumn: id } = log;
  const legacy = `${t}_legacy`;
  // Writers wait for the few statements below instead of failing half-way.
  await q.query(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`);
  const [{ next }]: { next: string }[] = await q.query(
    `SELECT nextval(pg_get_serial_sequence('${t}', '${id}'))::text AS next`,
  );
  const [{ bound }]: { bound: string }[] = await q.query(
    `SELECT greatest(date_trunc('minute', now()) + interval '1 minute',
                     max(${col}) + interval '1 microsecond')::text AS bound FROM ${t}`,
  );

  await q.query(`ALTER TABLE ${t} RENAME TO ${legacy}`);
  // The parent's key (id, time) replaces it: a partition may not have a second primary key.
  await q.query(`ALTER TABLE ${legacy} DROP CONSTRAINT ${t}_pkey`);
  for (const [name] of log.indexes)
    await q.query(`ALTER INDEX ${name} RENAME TO ${name.replace(t, legacy)}`);
  if (log.foreignKey) await q.query(`ALTER TABLE ${legacy} DROP CONSTRAINT ${log.foreignKey.name}`);
  await q.query(`ALTER TABLE ${legacy} ALTER COLUMN ${id} DROP IDENTITY`);

  await q.query(`CREATE SEQUENCE ${t}_${id}_seq START WITH ${next}`);
  await q.query(
    `CREATE TABLE ${t} (LIKE ${legacy} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
     PARTITION BY RANGE (${col})`,
  );
  await q.query(`ALTER TABLE ${t} ALTER COLUMN ${id} SET DEFAULT nextval('${t}_${id}_seq')`);
  await q.query(`ALTER SEQUENCE ${t}_${id}_seq OWNED BY ${t}.${id}`);
  await q.query(
    `ALTER TABLE ${t} ATTACH PARTITION ${legacy} FOR VALUES FROM (MINVALUE) TO ('${bound}')`,
  );
  await q.query(`CREATE TABLE ${t}_default PARTITION OF ${t} DEFAULT`);
  // Indexes made on the parent after the attach take over the legacy table's equal ones.
  await q.query(`ALTER TABLE ${t} ADD PRIMARY KEY (${id}, ${col})`);
  for (const [name, columns] of log.indexes)
    await q.query(`CREATE INDEX ${name} ON ${t} ${columns}`);
}

async function unpartition(q: QueryRunner, log: PartitionedLog): Promise<void> {
  const { table: t, idColumn: id } = log;
  const plain = `${t}_unpartitioned`;
  await q.query(`LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE`);
  await q.query(`CREATE TABLE ${plain} (LIKE ${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  // The copied default names the parent's sequence, which goes with the parent.
  await q.query(`ALTER TABLE ${plain} ALTER COLUMN ${id} DROP DEFAULT`);
  await q.query(`INSERT INTO ${plain} SELECT * FROM ${t}`);
  const [{ next }]: { next: string }[] = await q.query(
    `SELECT nextval('${t}_${id}_seq')::text AS next`,
  );
  await q.query(`DROP TABLE ${t}`);
  await q.query(`ALTER TABLE ${plain} RENAME TO ${t}`);
  await q.query(
    `ALTER TABLE ${t} ALTER COLUMN ${id} ADD GENERATED ALWAYS AS IDENTITY (START WITH ${next})`,
  );
  await q.query(`ALTER TABLE ${t} ADD PRIMARY KEY (${id})`);
  for (const [name, columns] of log.indexes)
    await q.query(`CREATE INDEX ${name} ON ${t} ${columns}`);
  // NOT VALID: attempts whose delivery or job went while partitioned stay as they are.
  if (log.foreignKey)
    await q.query(
      `ALTER TABLE ${t} ADD CONSTRAINT ${log.foreignKey.name} ${log.foreignKey.definition} NOT VALID`,
    );
}
