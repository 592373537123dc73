import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminOnly, PublisherAuth } from '../common/auth/audience.decorator.js';
import { CurrentPrincipal } from '../common/auth/principal.js';
import type { Principal } from '../common/auth/principal.js';
import { OptionalHeader } from '../common/http/optional-header.decorator.js';
import { ProblemDto } from '../common/http/problem.js';
import { ValidationFailedException } from '../common/http/validation.js';
import { ConsumerDto, ConsumerFailureDto } from './dto/consumer.dto.js';
import { EventPageDto } from './dto/event.dto.js';
import { ListEventsQueryDto } from './dto/list-events.query.js';
import { PublishEventDto, PublishResultDto } from './dto/publish-event.dto.js';
import { EventsService } from './events.service.js';
import { MAX_EVENTS_PER_REQUEST, PublishEventsPipe } from './publish-events.pipe.js';

@ApiTags('Events')
@ApiExtraModels(PublishEventDto)
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @PublisherAuth()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish one event or a batch',
    description:
      'Stored durably (with an optional Idempotency-Key) before the 202; consumers (webhook fan-out and the modules) pick them up after the commit.',
  })
  @ApiBody({
    description: `One event, or an array of 1 to ${MAX_EVENTS_PER_REQUEST} (at most 1 MiB)`,
    schema: {
      oneOf: [
        { $ref: getSchemaPath(PublishEventDto) },
        {
          type: 'array',
          maxItems: MAX_EVENTS_PER_REQUEST,
          items: { $ref: getSchemaPath(PublishEventDto) },
        },
      ],
    },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Same key and body within 24 h returns the first answer; a different body is a 409. Bodies are compared as parsed JSON: key order and whitespace do not matter, array order does.',
  })
  @ApiAcceptedResponse({
    type: PublishResultDto,
    description: 'Stored durably; consumers run asynchronously',
  })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'An event or the Idempotency-Key is invalid, or an event names an artifact that is not stored; `errors` names each field',
  })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Idempotency-Key reused with a different body',
  })
  @ApiPayloadTooLargeResponse({ type: ProblemDto, description: 'Body over 1 MiB' })
  publish(
    @Body(PublishEventsPipe) events: PublishEventDto[],
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @OptionalHeader('idempotency-key') idempotencyKey?: string,
  ): Promise<PublishResultDto> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new ValidationFailedException([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    return this.events.publish(events, principal.id, idempotencyKey, req.body);
  }

  @Get()
  @ApiOperation({
    summary: 'Browse the event log, newest first',
    description:
      'Every published event, filtered by type (exact or `prefix.*`), source, id or time. ' +
      'Pass `nextCursor` back as `cursor` for the next (older) page.',
  })
  @AdminOnly()
  @ApiOkResponse({ type: EventPageDto, description: 'Newest first' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A filter or the cursor is invalid' })
  list(@Query() query: ListEventsQueryDto): Promise<EventPageDto> {
    return this.events.list(query);
  }

  @Get('consumers')
  @ApiOperation({
    summary: 'Each consumer: cursor, lag, processed and poison counts, current retry',
    description:
      'The durable readers of the event log (webhook fan-out and the modules). A growing lag ' +
      'or a failing event shows a consumer that is stuck.',
  })
  @AdminOnly()
  @ApiOkResponse({ type: [ConsumerDto], description: 'Every consumer with its progress' })
  consumers(): Promise<ConsumerDto[]> {
    return this.events.listConsumers();
  }

  @Get('consumers/:name/failures')
  @ApiOperation({
    summary: 'Events a consumer skipped as poison, with the error',
    description:
      'An event that failed every retry is recorded here and skipped, so the consumer moves on.',
  })
  @ApiParam({ name: 'name', description: 'The consumer name', example: 'webhooks.fan-out' })
  @AdminOnly()
  @ApiOkResponse({
    type: [ConsumerFailureDto],
    description: 'Poison events this consumer skipped, newest first',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No consumer of that name' })
  failures(@Param('name') name: string): Promise<ConsumerFailureDto[]> {
    return this.events.listFailures(name);
  }
}
