import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { PublisherAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal } from '../../common/auth/principal.js';
import type { Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { MessageAcceptedDto, MessageDto } from './dto/message.dto.js';
import { MessagesService } from './messages.service.js';

@ApiTags('Webhooks')
@PublisherAuth()
@Controller('webhooks/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send one signed webhook to a URL of your choosing (a per-job callback)',
    description:
      'Foreman-style job callbacks: no endpoint to subscribe, the URL comes with the message. ' +
      'Stored before the 202, then delivered like an endpoint delivery: signed (with `secret`, ' +
      'or a generated one returned here once), retried on WEBHOOK_RETRY_SCHEDULE, logged attempt ' +
      'by attempt (GET /webhooks/messages/{id}), URL checked by the SSRF guard now and at ' +
      'connect time. `body: "flat"` sends `{...data, timestamp}` as foreman did.',
  })
  @ApiBody({
    type: CreateMessageDto,
    examples: {
      envelope: {
        summary: 'Standard Webhooks, envelope body, generated secret',
        value: {
          url: 'https://jobs.example.com/callbacks/job-42',
          type: 'job.state_changed',
          data: { job_id: 'job-42', state: 'done', previous_state: 'running' },
        },
      },
      foreman: {
        summary: 'A receiver written for foreman: flat body, sha256=<hex> signature',
        value: {
          url: 'https://jobs.example.com/callbacks/job-42',
          type: 'job.state_changed',
          data: {
            job_id: 'job-42',
            state: 'done',
            previous_state: 'running',
            model: 'llama3',
            attempt: 1,
            result: { text: 'ok' },
            error: null,
          },
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          signature: { scheme: 'hmac-sha256-hex', header: 'x-foreman-signature' },
          body: 'flat',
        },
      },
    },
  })
  @ApiAcceptedResponse({
    type: MessageAcceptedDto,
    description: 'Stored durably; the first attempt follows at once',
  })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Invalid input; `errors` names each field (`url`, `type`, `data`, `secret`, ...)',
  })
  @ApiPayloadTooLargeResponse({ type: ProblemDto, description: 'Body over 1 MiB' })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'URL refused by the SSRF guard (private, loopback, ... or does not resolve)',
  })
  create(
    @Body() dto: CreateMessageDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MessageAcceptedDto> {
    return this.messages.create(dto, principal);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A message: its state and every attempt',
    description:
      'Status (`pending`, `succeeded`, `failed`), the next attempt, and each attempt with its ' +
      'status code, latency, response excerpt and error. The secret is never shown. A publisher ' +
      'key sees only the messages it sent.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The id from the 202 answer' })
  @ApiOkResponse({ type: MessageDto, description: 'With every attempt, oldest first' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description: 'No such message (or another publisher key’s, or removed by retention)',
  })
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MessageDto> {
    return this.messages.get(id, principal);
  }
}
