import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryDetailDto, DeliveryPageDto, ListDeliveriesQueryDto } from './dto/delivery.dto.js';

@ApiTags('Webhooks')
@AdminOnly()
@Controller('webhooks/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'List deliveries, newest first (cursor paged)' })
  @ApiOkResponse({ type: DeliveryPageDto, description: 'Newest first' })
  @ApiBadRequestResponse({ type: ProblemDto })
  list(@Query() query: ListDeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.deliveries.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with every attempt' })
  @ApiOkResponse({ type: DeliveryDetailDto, description: 'With every attempt, oldest first' })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeliveryDetailDto> {
    return this.deliveries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'One more attempt now (also for a failed delivery)' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeliveryDetailDto> {
    return this.deliveries.retry(id);
  }
}
