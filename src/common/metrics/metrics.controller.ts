import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly } from '../auth/audience.decorator.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Admin-only: the server binds 0.0.0.0 by default, and metrics name routes, queues and
   * error rates. Prometheus sends a bearer credential (`authorization: {credentials: ...}`
   * in the scrape config), e.g. an API key made for it.
   */
  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Text exposition format. Scrape with the admin token or an admin API key.',
  })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    schema: {
      type: 'string',
      example:
        '# HELP http_requests_total HTTP requests by method, route template and status\n' +
        '# TYPE http_requests_total counter\n' +
        'http_requests_total{method="POST",route="/events",status="202"} 42\n',
    },
  })
  async scrape(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
