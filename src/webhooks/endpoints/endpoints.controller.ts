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
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
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
const EndpointId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The endpoint id (from the create answer)' });

@ApiTags('Webhooks')
@AdminOnly()
@ApiNotFoundResponse({ type: ProblemDto, description: 'No such endpoint' })
@ApiBadRequestResponse({
  type: ProblemDto,
  description: 'Invalid input (each field named in `errors`), or an id that is not a uuid',
})
@Controller('webhooks/endpoints')
export class EndpointsController {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Registers a receiver URL for the event types it wants (exact or `prefix.*`; empty: all). ' +
      'Every matching event published afterwards becomes a signed delivery with retries. The ' +
      'URL is checked by the SSRF guard now and again at every connection. Read the signing ' +
      'secret with GET /webhooks/endpoints/{id}/secret.',
  })
  @ApiCreatedResponse({
    type: EndpointDto,
    description: 'Stored; deliveries start with the next matching event',
  })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'URL refused by the SSRF guard',
  })
  create(@Body() dto: CreateEndpointDto): Promise<EndpointDto> {
    return this.endpoints.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List webhook endpoints (cursor paged)',
    description:
      'Newest first. Pass `nextCursor` back as `cursor` for the next page; filter by `enabled`.',
  })
  @ApiOkResponse({ type: EndpointPageDto, description: 'One page of endpoints, newest first' })
  list(@Query() query: ListEndpointsQueryDto): Promise<EndpointPageDto> {
    return this.endpoints.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get one webhook endpoint',
    description: 'Its settings, whether it is enabled (and why not), and its failure streak.',
  })
  @EndpointId()
  @ApiOkResponse({ type: EndpointDto, description: 'The endpoint; credential headers redacted' })
  get(@Param('id', uuid) id: string): Promise<EndpointDto> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an endpoint (re-enabling clears its failure streak)',
    description:
      'Only the fields sent change. A new URL is checked by the SSRF guard. `enabled: true` ' +
      'on a disabled endpoint clears its failure streak; pending deliveries then resume.',
  })
  @EndpointId()
  // Every field is optional: a bodiless PATCH changes nothing and answers the endpoint.
  @ApiBody({ type: UpdateEndpointDto, required: false })
  @ApiOkResponse({ type: EndpointDto, description: 'The endpoint as changed' })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'URL refused by the SSRF guard',
  })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateEndpointDto): Promise<EndpointDto> {
    return this.endpoints.update(id, dto);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete an endpoint with its deliveries and attempts',
    description: 'Pending deliveries are dropped; nothing more is sent to its URL.',
  })
  @EndpointId()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its deliveries and attempts' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.endpoints.remove(id);
  }

  @Get(':id/secret')
  @ApiOperation({
    summary: 'The signing secret of an endpoint (and older ones still signing)',
    description:
      'The secret receivers verify signatures with (Standard Webhooks `whsec_...`, or the key ' +
      'of the hex HMAC). After a rotation the previous secrets are listed until they expire.',
  })
  @EndpointId()
  @ApiOkResponse({
    type: EndpointSecretDto,
    description: 'The current secret and older ones still signing',
  })
  secret(@Param('id', uuid) id: string): Promise<EndpointSecretDto> {
    return this.endpoints.secret(id);
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'New signing secret; the old one keeps signing for the grace period (default 24 h, max 7 days)',
    description:
      'Sets the given secret or generates one, and answers with it. During the grace period ' +
      'requests carry a signature for each secret, so receivers can switch without losing any. ' +
      'The body may be omitted (generated secret, 24 h grace).',
  })
  @EndpointId()
  @ApiBody({ type: RotateSecretDto, required: false })
  @ApiOkResponse({
    type: EndpointSecretDto,
    description: 'The new secret, and the old one until it expires',
  })
  rotate(@Param('id', uuid) id: string, @Body() dto: RotateSecretDto): Promise<EndpointSecretDto> {
    return this.endpoints.rotate(id, dto);
  }

  @Post(':id/recover')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Requeue every failed delivery created since a time',
    description:
      'After an outage of the receiver: each failed delivery of this endpoint created at or ' +
      'after `since` becomes pending again with a fresh retry schedule (same webhook-id).',
  })
  @EndpointId()
  @ApiOkResponse({ type: CountDto, description: 'How many deliveries were requeued' })
  async recover(@Param('id', uuid) id: string, @Body() dto: RecoverDto): Promise<CountDto> {
    return { count: await this.deliveries.recover(id, new Date(dto.since)) };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create deliveries for past events this endpoint matches but never received',
    description:
      'Either `since` (every matching event that occurred at or after it) or `eventIds`. ' +
      'Events the endpoint already has a delivery for are not sent twice; with `eventIds` ' +
      'the answer says which were skipped and why.',
  })
  @EndpointId()
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
  @ApiOperation({
    summary: 'Send a signed sample now, outside the queue, and return the attempt',
    description:
      'Signs and sends one sample event of `eventType` (default `webhook.test`) with the ' +
      "endpoint's headers and signature scheme, and answers with the attempt (status, " +
      'latency, response). The send is recorded as a one-attempt delivery. The body may be omitted.',
  })
  @EndpointId()
  @ApiBody({ type: TestEndpointDto, required: false })
  @ApiOkResponse({
    type: AttemptDto,
    description: 'The attempt: status code, duration, response or error',
  })
  test(@Param('id', uuid) id: string, @Body() dto: TestEndpointDto): Promise<AttemptDto> {
    return this.deliveries.test(id, dto.eventType);
  }

  @Get(':id/stats')
  @ApiOperation({
    summary: 'Last 24 h: deliveries by status, success rate, latency, last error',
    description: 'Computed from the deliveries and attempts of the last 24 hours.',
  })
  @EndpointId()
  @ApiOkResponse({
    type: EndpointStatsDto,
    description: 'Counts, success rate and latency percentiles',
  })
  stats(@Param('id', uuid) id: string): Promise<EndpointStatsDto> {
    return this.deliveries.stats(id);
  }
}
