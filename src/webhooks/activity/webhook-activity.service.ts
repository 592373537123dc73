import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { bucketsEnd, fillBuckets, type TimeBuckets } from '../../common/time-buckets.js';
import { WebhookActivityRepository } from './webhook-activity.repository.js';

/** Successes whose latency one chart request reads at most (about; see attemptSeries). */
export const LATENCY_SAMPLE = 20_000;

export interface AttemptSeries {
  succeeded: number[];
  failed: number[];
  dead: number[];
  latencyP95Ms: (number | null)[];
}

export interface EndpointHealthSeries {
  endpointId: string;
  succeeded: number[];
  failed: number[];
  lastStatus: number | null;
  lastAttemptAt: string | null;
  failingSince: string | null;
}

export interface FailingEndpoint {
  id: string;
  url: string;
  description?: string;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
}

/**
 * Read-only figures about deliveries for the operator console (the webhooks module's answer
 * to "how are deliveries doing"): attempts over time, endpoints' health, failing endpoints.
 * Endpoints that other modules manage (owner set) are left out, as in the endpoints API.
 */
@Injectable()
export class WebhookActivityService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: WebhookActivityRepository,
  ) {}

  async attemptSeries(axis: TimeBuckets): Promise<AttemptSeries> {
    const m = this.db.manager;
    const to = bucketsEnd(axis);
    const rows = await this.repo.outcomeSeries(m, axis.from, to, axis.stepSeconds);
    const successes = rows.reduce((n, r) => n + r.succeeded, 0);
    // Each sampled success costs two index probes (its delivery, its event): past
    // LATENCY_SAMPLE successes, every k-th attempt id stands for the others.
    const every = Math.max(1, Math.ceil(successes / LATENCY_SAMPLE));
    const latency =
      successes === 0
        ? []
        : await this.repo.latencySeries(m, axis.from, to, axis.stepSeconds, every);
    return {
      succeeded: fillBuckets(axis, rows, (r) => r.succeeded, 0),
      failed: fillBuckets(axis, rows, (r) => r.failed, 0),
      dead: fillBuckets(axis, rows, (r) => r.dead, 0),
      latencyP95Ms: fillBuckets<(typeof latency)[number], number | null>(
        axis,
        latency,
        (r) => (r.p95 === null ? null : Math.round(r.p95)),
        null,
      ),
    };
  }

  /** Hourly attempts of the API's endpoints among `ids` (unknown ids are left out). */
  async endpointHealth(ids: string[], axis: TimeBuckets): Promise<EndpointHealthSeries[]> {
    const m = this.db.manager;
    const [last, hours] = await Promise.all([
      this.repo.endpointLast(m, ids),
      this.repo.endpointHours(m, ids, axis.from, bucketsEnd(axis)),
    ]);
    const byId = new Map(last.map((l) => [l.id, l]));
    return ids
      .filter((id, i) => byId.has(id) && ids.indexOf(id) === i)
      .map((id) => {
        const l = byId.get(id)!;
        const rows = hours.filter((h) => h.endpoint_id === id);
        return {
          endpointId: id,
          succeeded: fillBuckets(axis, rows, (r) => r.succeeded, 0),
          failed: fillBuckets(axis, rows, (r) => r.failed, 0),
          lastStatus: l.last_status,
          lastAttemptAt: iso(l.last_attempt_at),
          failingSince: iso(l.failing_since),
        };
      });
  }

  async failingEndpoints(limit: number): Promise<FailingEndpoint[]> {
    const rows = await this.repo.failingEndpoints(this.db.manager, limit);
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      ...(r.description ? { description: r.description } : {}),
      enabled: r.enabled,
      disabledReason: r.disabled_reason,
      failingSince: iso(r.failing_since)!,
      lastStatus: r.last_status,
      lastError: r.last_error,
      lastAttemptAt: iso(r.last_attempt_at),
    }));
  }
}

function iso(d: Date | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}
