import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { EndpointHealthQueryDto, SeriesQueryDto } from './dto/overview-query.dto.js';
import { EndpointHealthDto, OverviewFailingDto, OverviewSeriesDto } from './dto/overview.dto.js';
import { FAILING_CAP, OverviewService } from './overview.service.js';

@ApiTags('Overview')
@AdminOnly()
@Controller('overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get('series')
  @ApiOperation({
    summary:
      'Time series of the hub: deliveries by outcome, success rate, p95 latency, events, log lines',
    description:
      'Columnar (one array per measure, all as long as `at`, zero-filled) for charts. Buckets of ' +
      '60 s for windows up to 24 h, 600 s beyond; the last bucket holds now. Aggregated from the ' +
      'attempt log, the bus log and the log-scan per-minute rollup (docs/console.md).',
  })
  @ApiOkResponse({ type: OverviewSeriesDto, description: 'One value per bucket and measure' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: '`hours` is not an integer from 1 to 168',
  })
  series(@Query() q: SeriesQueryDto): Promise<OverviewSeriesDto> {
    return this.overview.series(q.hours ?? 24);
  }

  @Get('failing')
  @ApiOperation({
    summary: 'Everything failing now: endpoints, calendar bindings, integrations, consumers',
    description:
      `Each list holds at most ${FAILING_CAP}, with its last error; what "failing now" means for ` +
      'each kind is in docs/console.md.',
  })
  @ApiOkResponse({ type: OverviewFailingDto, description: 'Four lists, each possibly empty' })
  failing(): Promise<OverviewFailingDto> {
    return this.overview.failing();
  }

  @Get('endpoint-health')
  @ApiOperation({
    summary: "Endpoints' attempts per hour, last status and failure streak (for sparklines)",
    description:
      'Hourly buckets over the window for each endpoint named (webhook endpoints of the API; ' +
      'ids of unknown endpoints are left out of `items`).',
  })
  @ApiOkResponse({ type: EndpointHealthDto, description: 'One item per known endpoint' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: '`ids` is not 1 to 100 comma-separated uuids, or `hours` is not 1 to 168',
  })
  endpointHealth(@Query() q: EndpointHealthQueryDto): Promise<EndpointHealthDto> {
    return this.overview.endpointHealth(q.ids, q.hours ?? 24);
  }
}
