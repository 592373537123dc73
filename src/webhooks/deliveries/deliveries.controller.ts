import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryDetailDto, DeliveryPageDto, ListDeliveriesQueryDto } from './dto/delivery.dto.js';

const DeliveryId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The delivery id (from the list)' });

@ApiTags('Webhooks')
@AdminOnly()
@Controller('webhooks/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({
    summary: 'List deliveries, newest first (cursor paged)',
    description:
      'Every delivery of every endpoint, filtered by endpoint, status, event type and creation ' +
      'time. Pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: DeliveryPageDto, description: 'Newest first' })
  @ApiBadRequestResponse({ type: ProblemDto })
  list(@Query() query: ListDeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.deliveries.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One delivery with every attempt',
    description: 'The exact body sent, and each attempt with its status, latency and response.',
  })
  @DeliveryId()
  @ApiOkResponse({ type: DeliveryDetailDto, description: 'With every attempt, oldest first' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such delivery' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeliveryDetailDto> {
    return this.deliveries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'One more attempt now (also for a failed delivery)',
    description:
      'Makes the delivery pending and due now; the same body and webhook-id are sent again.',
  })
  @DeliveryId()
  @ApiOkResponse({ type: DeliveryDetailDto, description: 'The delivery, pending and due now' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such delivery' })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeliveryDetailDto> {
    return this.deliveries.retry(id);
  }
}
