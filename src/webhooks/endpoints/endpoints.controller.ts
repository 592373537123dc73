import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { DeliveriesService } from '../deliveries/deliveries.service.js';
import {
  AttemptDto,
  CountDto,
  EndpointStatsDto,
  ReplayResultDto,
} from '../deliveries/dto/delivery.dto.js';
import { CreateEndpointDto } from './dto/create-endpoint.dto.js';
import { EndpointDto, EndpointPageDto, EndpointSecretDto } from './dto/endpoint.dto.js';
import {
  ListEndpointsQueryDto,
  RecoverDto,
  ReplayDto,
  RotateSecretDto,
  TestEndpointDto,
} from './dto/endpoint-requests.dto.js';
import { UpdateEndpointDto } from './dto/update-endpoint.dto.js';
import { EndpointService } from './endpoint.service.js';

const uuid = new ParseUUIDPipe();

@ApiTags('Webhooks')
@AdminOnly()
@ApiNotFoundResponse({ type: ProblemDto, description: 'No such endpoint' })
@ApiBadRequestResponse({ type: ProblemDto })
@Controller('webhooks/endpoints')
export class EndpointsController {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a webhook endpoint' })
  @ApiCreatedResponse({ type: EndpointDto })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'URL refused by the SSRF guard',
  })
  create(@Body() dto: CreateEndpointDto): Promise<EndpointDto> {
    return this.endpoints.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints (cursor paged)' })
  @ApiOkResponse({ type: EndpointPageDto })
  list(@Query() query: ListEndpointsQueryDto): Promise<EndpointPageDto> {
    return this.endpoints.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one webhook endpoint' })
  @ApiOkResponse({ type: EndpointDto })
  get(@Param('id', uuid) id: string): Promise<EndpointDto> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an endpoint (re-enabling clears its failure streak)' })
  @ApiOkResponse({ type: EndpointDto })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'URL refused by the SSRF guard',
  })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateEndpointDto): Promise<EndpointDto> {
    return this.endpoints.update(id, dto);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete an endpoint with its deliveries and attempts' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its deliveries and attempts' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.endpoints.remove(id);
  }

  @Get(':id/secret')
  @ApiOperation({ summary: 'The signing secret of an endpoint (and older ones still signing)' })
  @ApiOkResponse({ type: EndpointSecretDto })
  secret(@Param('id', uuid) id: string): Promise<EndpointSecretDto> {
    return this.endpoints.secret(id);
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'New signing secret; the old one keeps signing for the grace period (default 24 h, max 7 days)',
  })
  @ApiOkResponse({ type: EndpointSecretDto })
  rotate(@Param('id', uuid) id: string, @Body() dto: RotateSecretDto): Promise<EndpointSecretDto> {
    return this.endpoints.rotate(id, dto);
  }

  @Post(':id/recover')
  @HttpCode(200)
  @ApiOperation({ summary: 'Requeue every failed delivery created since a time' })
  @ApiOkResponse({ type: CountDto })
  async recover(@Param('id', uuid) id: string, @Body() dto: RecoverDto): Promise<CountDto> {
    return { count: await this.deliveries.recover(id, new Date(dto.since)) };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create deliveries for past events this endpoint matches but never received',
  })
  @ApiOkResponse({
    type: ReplayResultDto,
    description: 'Deliveries created, and the requested eventIds skipped with the reason',
  })
  replay(@Param('id', uuid) id: string, @Body() dto: ReplayDto): Promise<ReplayResultDto> {
    return this.deliveries.replay(id, {
      since: dto.since ? new Date(dto.since) : undefined,
      eventIds: dto.eventIds,
    });
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a signed sample now, outside the queue, and return the attempt' })
  @ApiOkResponse({ type: AttemptDto })
  test(@Param('id', uuid) id: string, @Body() dto: TestEndpointDto): Promise<AttemptDto> {
    return this.deliveries.test(id, dto.eventType);
  }

  @Get(':id/stats')
  @ApiOperation({ summary: 'Last 24 h: deliveries by status, success rate, latency, last error' })
  @ApiOkResponse({ type: EndpointStatsDto })
  stats(@Param('id', uuid) id: string): Promise<EndpointStatsDto> {
    return this.deliveries.stats(id);
  }
}
