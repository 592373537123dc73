import type { RawQueryable } from '../../database/raw-write.js';

/** NOTIFY channel that wakes delivery workers on every instance. */
export const DELIVERIES_CHANNEL = 'hub_webhook_deliveries';

/**
 * Wakes the delivery workers of every instance. Inside a transaction PostgreSQL sends the
 * NOTIFY at commit, so workers never look for rows they cannot see yet.
 */
export async function wakeDeliveryWorkers(db: RawQueryable): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, '']);
}
