import { Injectable } from '@nestjs/common';
import { FailingBindingsService } from '../../calendar/index.js';
import { bucketsEnd, bucketsEndingNow, type TimeBuckets } from '../../common/time-buckets.js';
import { EventActivityService } from '../../events/index.js';
import { FailingIntegrationsService } from '../../integrations/index.js';
import { LogScanActivityService } from '../../log-scan/index.js';
import { WebhookActivityService } from '../../webhooks/index.js';
import type {
  EndpointHealthDto,
  OverviewFailingDto,
  OverviewSeriesDto,
} from './dto/overview.dto.js';

/** Each kind of "failing now" list is capped: the console links to the full views. */
export const FAILING_CAP = 50;

/**
 * The console's overview: each module answers for its own facts (through its barrel), this
 * puts them on one time axis.
 */
@Injectable()
export class OverviewService {
  constructor(
    private readonly webhooks: WebhookActivityService,
    private readonly events: EventActivityService,
    private readonly logScan: LogScanActivityService,
    private readonly bindings: FailingBindingsService,
    private readonly integrations: FailingIntegrationsService,
  ) {}

  async series(hours: number): Promise<OverviewSeriesDto> {
    // Minute buckets up to a day (1440 points), ten-minute ones beyond (at most 1008).
    const axis = bucketsEndingNow(hours, hours <= 24 ? 60 : 600);
    const [attempts, eventsPublished, logLinesScanned] = await Promise.all([
      this.webhooks.attemptSeries(axis),
      this.events.publishedSeries(axis),
      this.logScan.linesSeries(axis),
    ]);
    const { succeeded, failed, dead } = attempts;
    return {
      from: axis.from.toISOString(),
      to: bucketsEnd(axis).toISOString(),
      stepSeconds: axis.stepSeconds,
      at: starts(axis),
      deliveries: { succeeded, failed, dead },
      successRate: succeeded.map((ok, i) => {
        const all = ok + failed[i] + dead[i];
        return all === 0 ? null : ok / all;
      }),
      latencyP95Ms: attempts.latencyP95Ms,
      eventsPublished,
      logLinesScanned,
    };
  }

  async failing(): Promise<OverviewFailingDto> {
    const [endpoints, bindings, integrations, consumers] = await Promise.all([
      this.webhooks.failingEndpoints(FAILING_CAP),
      this.bindings.list(FAILING_CAP),
      this.integrations.list(FAILING_CAP),
      this.events.failingConsumers(FAILING_CAP),
    ]);
    return { endpoints, bindings, integrations, consumers };
  }

  async endpointHealth(ids: string[], hours: number): Promise<EndpointHealthDto> {
    const axis = bucketsEndingNow(hours, 3600);
    const at = starts(axis);
    const items = await this.webhooks.endpointHealth(ids, axis);
    return { items: items.map((item) => ({ ...item, at })) };
  }
}

function starts(axis: TimeBuckets): number[] {
  const first = axis.from.getTime() / 1000;
  return Array.from({ length: axis.count }, (_, i) => first + i * axis.stepSeconds);
}
