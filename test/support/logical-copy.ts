import pg from 'pg';

/**
 * What `pg_dump --data-only` piped into `pg_restore` does to a migrated database: every row of
 * every table with its stored values (xid8 columns included), and every sequence's position.
 * The suites need it because the PostgreSQL client tools on the machine (Debian's, 15) refuse
 * to dump the embedded server (18); the copy keeps what matters here: restored rows keep the
 * xids of the server they were written on.
 */
export async function copyDatabaseRows(sourceUrl: string, targetUrl: string): Promise<void> {
  const source = new pg.Client({ connectionString: sourceUrl });
  const target = new pg.Client({ connectionString: targetUrl });
  await source.connect();
  await target.connect();
  try {
    const { rows: tables } = await source.query<{ name: string }>(
      // Partitioned logs are copied through their parent (its rows are its partitions'),
      // and land in whatever partitions the target has, as pg_restore's rows would.
      `SELECT quote_ident(relname) AS name FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition
       ORDER BY relname`,
    );
    await target.query('BEGIN');
    // As pg_restore does for data: no foreign-key checks while tables fill in any order.
    await target.query(`SET LOCAL session_replication_role = replica`);
    for (const { name } of tables) {
      const { rows } = await source.query<{ data: unknown[] | null }>(
        `SELECT json_agg(t) AS data FROM ${name} t`,
      );
      await target.query(`DELETE FROM ${name}`);
      if (rows[0].data)
        await target.query(
          `INSERT INTO ${name} OVERRIDING SYSTEM VALUE
           SELECT * FROM json_populate_recordset(NULL::${name}, $1::json)`,
          [JSON.stringify(rows[0].data)],
        );
    }
    // pg_sequences, not information_schema.sequences: the latter leaves out the sequences
    // of identity columns (events.id, sync_changes.seq), which pg_dump does restore.
    const { rows: sequences } = await source.query<{ name: string; last: string | null }>(
      `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS last
       FROM pg_sequences WHERE schemaname = 'public'`,
    );
    for (const { name, last } of sequences)
      if (last !== null)
        await target.query(`SELECT setval($1::regclass, $2::bigint)`, [name, last]);
    await target.query('COMMIT');
  } finally {
    await source.end();
    await target.end();
  }
}
