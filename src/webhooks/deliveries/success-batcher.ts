import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PreparedStatement } from '../../database/prepared-statement.js';
import type { AttemptRecord } from './delivery-queue.repository.js';

type LeasedAttempt = AttemptRecord & { lease: string };

/** A success waiting for its batch, and how to answer its caller. */
interface Waiting {
  attempt: LeasedAttempt;
  done: (err?: unknown) => void;
}

const MAX_BATCH = 200;

/**
 * The batch settle: attempt rows, delivery states and endpoint streaks in one statement,
 * prepared once per connection (see PreparedStatement).
 */
const SETTLE_SUCCESSES = new PreparedStatement(
  'webhooks.settle-successes',
  `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(delivery_id uuid, endpoint_id uuid, attempt_number int,
           started_at timestamptz, duration_ms int, status_code int, request_headers jsonb, response_headers jsonb, response_body text, instance_id text, lease timestamptz)
       ), attempts AS (
         INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code,
           response_headers, response_body, error, instance_id, request_headers)
         SELECT delivery_id, endpoint_id, attempt_number, started_at, duration_ms, status_code, response_headers,
           response_body, NULL, instance_id, request_headers FROM input
       ), leases AS (
         DELETE FROM webhook_delivery_leases l USING input i
         WHERE l.delivery_id = i.delivery_id AND l.locked_by = i.instance_id AND l.locked_until = i.lease
         RETURNING l.delivery_id
       ), settled AS (
         UPDATE webhook_deliveries d SET status = 'succeeded', attempt_count = d.attempt_count + 1, completed_at = now(),
           last_status_code = i.status_code, last_error = NULL, updated_at = now()
         FROM input i JOIN leases ON leases.delivery_id = i.delivery_id
         WHERE d.id = i.delivery_id AND d.status = 'pending'
         RETURNING d.endpoint_id
       )
       UPDATE webhook_endpoints SET failing_since = NULL
       WHERE id IN (SELECT endpoint_id FROM settled) AND failing_since IS NOT NULL`,
);

/**
 * Settles successful attempts in batches: one statement (attempt rows, delivery state,
 * endpoint streak) and one commit for up to 200 deliveries, instead of a transaction each.
 * No timer: the successes of one event-loop turn form a batch, written at once unless a
 * batch is being written, and then as soon as it is done (group commit: a batch is as large
 * as the database is slow, and a lone success is written at once). A lease (and so the
 * endpoint's in-flight count) lives until its settle, so waiting on a timer here held back the
 * next delivery to the same endpoint. One batch at a time: with two, the burst bench wrote 712
 * smaller batches instead of 454 (the statement has a fixed cost of its own), for no
 * throughput it could show (docs/performance.md, round four). If the process dies before a
 * flush, those deliveries are simply attempted again (at-least-once, same webhook-id).
 */
@Injectable()
export class SuccessBatcher {
  private pending: Waiting[] = [];
  private writing = false;
  private scheduled?: NodeJS.Immediate;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `lease` is the delivery's `lease` from its claim: without it unchanged, only the attempt row is written. */
  settle(attempt: AttemptRecord, lease: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({
        attempt: { ...attempt, lease },
        done: (err) => (err ? reject(err) : resolve()),
      });
      this.schedule();
    });
  }

  /** A flush after this turn's settles, unless a batch is being written (then after it). */
  private schedule(): void {
    if (this.scheduled || this.writing || this.pending.length === 0) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    this.writing = true;
    try {
      await this.writeBatch(batch);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }

  private async writeBatch(batch: Waiting[]): Promise<void> {
    try {
      await this.write(batch.map((b) => b.attempt));
      batch.forEach((b) => b.done());
    } catch (err) {
      if (batch.length === 1) return batch[0].done(err);
      // One row the database refuses (its delivery was deleted mid-flight, say) must not
      // fail its neighbours: settle each on its own, so only that one is retried.
      for (const b of batch) {
        try {
          await this.write([b.attempt]);
          b.done();
        } catch (own) {
          b.done(own);
        }
      }
    }
  }

  private async write(attempts: LeasedAttempt[]): Promise<void> {
    const rows = attempts.map((a) => ({
      delivery_id: a.deliveryId,
      endpoint_id: a.endpointId,
      attempt_number: a.attemptNumber,
      started_at: a.startedAt.toISOString(),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      request_headers: a.requestHeaders ?? null,
      response_headers: a.responseHeaders,
      response_body: a.responseBody,
      instance_id: a.instanceId,
      lease: a.lease,
    }));
    await SETTLE_SUCCESSES.run(this.dataSource, [JSON.stringify(rows)]);
  }
}
