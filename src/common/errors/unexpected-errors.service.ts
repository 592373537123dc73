import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { BackgroundContext, currentBackgroundContext } from './background-context.js';

/**
 * The one place an error nobody expected is reported: logged with the background path it
 * came from and counted in `hub_unexpected_errors_total{context}`, so an alert can fire on
 * a rate instead of someone noticing a restart loop.
 */
@Injectable()
export class UnexpectedErrors {
  private readonly logger = new Logger('UnexpectedError');
  private readonly counter: Counter<'context'>;

  constructor(metrics: MetricsService) {
    this.counter = new Counter({
      name: 'hub_unexpected_errors_total',
      help: 'Errors that escaped their own handling, by the background path they came from',
      labelNames: ['context'] as const,
      registers: [metrics.registry],
    });
  }

  /** `ctx` defaults to the background context the error was raised in. */
  report(err: unknown, ctx: BackgroundContext | undefined = currentBackgroundContext()): void {
    const where = ctx ?? { context: 'unknown' };
    this.counter.inc({ context: where.context });
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error({ err, ...where }, `unexpected error in ${where.context}: ${message}`);
  }
}
