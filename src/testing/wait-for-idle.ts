import pg from 'pg';

export interface IdleOptions {
  /** Give up after this long (default 15 s), naming what was still busy. */
  timeoutMs?: number;
  /**
   * Work scheduled this soon counts as due (default 5 s): a retry 200 ms away is part of the
   * work a test waits for; one an hour away (production schedules) is not.
   */
  horizonMs?: number;
}

/** What keeps a hub busy: all zero means idle. */
export interface HubBacklog {
  /** Bus consumers with events after their cursor (or retrying a failing one). */
  consumersBehind: number;
  /** Webhook deliveries due now or in flight (a disabled endpoint's wait for its recovery: not counted). */
  deliveriesDue: number;
  /** Jobs due now or running. */
  jobsDue: number;
}

const DEFAULT_HORIZON_MS = 5_000;

/** `f.in_flight`: delivery `d` holds a live lease (a worker is sending it). */
const IN_FLIGHT_JOIN = `CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM webhook_delivery_leases l
        WHERE l.delivery_id = d.id AND l.locked_until > now()) AS in_flight) f`;

const BACKLOG_SQL = `
  SELECT
    (SELECT count(*) FROM event_consumers c
      WHERE EXISTS (SELECT 1 FROM events e WHERE (e.tx, e.id) > (c.cursor_tx, c.cursor_event_id)))::int
      AS "consumersBehind",
    (SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
      ${IN_FLIGHT_JOIN}
      WHERE d.status = 'pending' AND (d.next_attempt_at <= now() + $1::int * interval '1 millisecond' OR f.in_flight)
        AND (w.enabled OR f.in_flight))::int
      AS "deliveriesDue",
    (SELECT count(*) FROM jobs
      WHERE status = 'running' OR (status = 'pending' AND run_at <= now() + $1::int * interval '1 millisecond'))::int
      AS "jobsDue"`;

/** The backlog of the hub whose database is `databaseUrl`, read in one snapshot. */
export async function hubBacklog(
  databaseUrl: string,
  horizonMs = DEFAULT_HORIZON_MS,
): Promise<HubBacklog> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<HubBacklog>(BACKLOG_SQL, [horizonMs])).rows[0];
  } finally {
    await client.end();
  }
}

/**
 * Resolves once the hub has nothing left to do now: every bus consumer has caught up, and no
 * webhook delivery or job is running or due within `horizonMs` (retries scheduled further out,
 * and deliveries held for a disabled endpoint, do not count). Seen
 * idle twice in a row, so work handed from one stage to the next between two reads is not
 * mistaken for the end. Assert after this, not after a sleep.
 */
export async function waitForIdle(
  hub: { databaseUrl: string },
  options: IdleOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS;
  const deadline = Date.now() + timeoutMs;
  const client = new pg.Client({ connectionString: hub.databaseUrl });
  await client.connect();
  try {
    let idleReads = 0;
    for (;;) {
      const backlog = (await client.query<HubBacklog>(BACKLOG_SQL, [horizonMs])).rows[0];
      const idle = backlog.consumersBehind + backlog.deliveriesDue + backlog.jobsDue === 0;
      idleReads = idle ? idleReads + 1 : 0;
      if (idleReads === 2) return;
      if (Date.now() > deadline)
        throw new Error(
          `hub not idle after ${timeoutMs} ms: ${JSON.stringify(backlog)}; ${await busyItems(client, horizonMs)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, idle ? 50 : 25));
    }
  } finally {
    await client.end();
  }
}

/** A few of the busy items, so a timeout says what the hub was still doing. */
async function busyItems(client: pg.Client, horizonMs: number): Promise<string> {
  const { rows } = await client.query<{ item: string }>(
    `
    (SELECT 'consumer ' || name || ' at event ' || cursor_event_id AS item FROM event_consumers c
      WHERE EXISTS (SELECT 1 FROM events e WHERE (e.tx, e.id) > (c.cursor_tx, c.cursor_event_id)) LIMIT 3)
    UNION ALL
    (SELECT 'delivery ' || d.id || ' (' || d.event_type || ' to ' || w.url || ', attempt ' || d.attempt_count ||
            CASE WHEN f.in_flight THEN ', in flight)' ELSE ', due)' END
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
      ${IN_FLIGHT_JOIN}
      WHERE d.status = 'pending' AND (d.next_attempt_at <= now() + $1::int * interval '1 millisecond' OR f.in_flight)
        AND (w.enabled OR f.in_flight) LIMIT 3)
    UNION ALL
    (SELECT 'job ' || id || ' (' || queue || ', ' || status || ')' FROM jobs
      WHERE status = 'running' OR (status = 'pending' AND run_at <= now() + $1::int * interval '1 millisecond') LIMIT 3)`,
    [horizonMs],
  );
  return rows.map((r) => r.item).join('; ') || 'nothing busy at the last read';
}
