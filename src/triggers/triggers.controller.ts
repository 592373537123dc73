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
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { PageQueryDto } from '../common/http/pagination.js';
import { ProblemDto } from '../common/http/problem.js';
import { REDACTED } from '../common/security/redaction.js';
import {
  CreateTriggerDto,
  ListTriggersQueryDto,
  TestDraftTriggerDto,
  TestSavedTriggerDto,
  UpdateTriggerDto,
} from './dto/trigger-requests.dto.js';
import {
  FiringPageDto,
  TestSendResultDto,
  TriggerDto,
  TriggerPageDto,
  TriggerSecretDto,
  TriggerStatsDto,
} from './dto/trigger.dto.js';
import { FiringsService } from './firing/firings.service.js';
import { TriggerTestSendService } from './trigger-test-send.service.js';
import { TriggersService } from './triggers.service.js';

const uuid = new ParseUUIDPipe();
const TriggerId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The trigger id (from the create answer)' });

const CREATE_EXAMPLE = {
  name: 'backup disk full',
  description: 'Page the on-call when a backup runs out of disk',
  matchers: [
    { label: 'source', op: '=', value: 'backup' },
    { label: 'data.message', op: '=~', value: '.*disk .* full.*' },
  ],
  filter: { severityAtLeast: 'error' },
  action: {
    type: 'webhook',
    url: 'https://alerts.example.com/hooks/hub',
    headers: { 'x-team': 'ops' },
  },
  repeatInterval: '4h',
  groupBy: ['source'],
};

const URL_REFUSED = {
  type: ProblemDto,
  description: 'action.url refused by the SSRF guard (named in errors)',
};

@ApiTags('Triggers')
@AdminOnly()
@ApiBadRequestResponse({
  type: ProblemDto,
  description: 'A field is invalid: each bad matcher, regex or URL is named in errors',
})
@Controller('triggers')
export class TriggersController {
  constructor(
    private readonly triggers: TriggersService,
    private readonly firings: FiringsService,
    private readonly tests: TriggerTestSendService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a trigger',
    description:
      'Matchers (ANDed, Alertmanager style) and shorthands select events; each match becomes a signed, retried webhook delivery. The secret is generated when omitted and is never shown again except by GET /triggers/{id}/secret.',
  })
  @ApiBody({ type: CreateTriggerDto, examples: { backup: { value: CREATE_EXAMPLE } } })
  @ApiCreatedResponse({
    type: TriggerDto,
    description: 'Stored; matches from the next event on; the secret shows as [redacted]',
  })
  @ApiConflictResponse({ type: ProblemDto, description: 'The name is taken' })
  @ApiUnprocessableEntityResponse(URL_REFUSED)
  create(@Body() dto: CreateTriggerDto): Promise<TriggerDto> {
    return this.triggers.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List triggers (cursor paged)',
    description: 'Oldest first; filter by enabled and by name prefix.',
  })
  @ApiOkResponse({ type: TriggerPageDto, description: 'One page of triggers, oldest first' })
  list(@Query() q: ListTriggersQueryDto): Promise<TriggerPageDto> {
    return this.triggers.list(q);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test-send an unsaved trigger',
    description:
      'Sends the real payload shape for a sample (or the given) event to the draft action now, signed with its secret, and answers with the attempt. Nothing is saved.',
  })
  @ApiBody({
    type: TestDraftTriggerDto,
    examples: {
      draft: { value: { trigger: CREATE_EXAMPLE, event: { source: 'backup', severity: 'error' } } },
    },
  })
  @ApiOkResponse({
    type: TestSendResultDto,
    description: 'The attempt (also when the receiver failed)',
  })
  @ApiUnprocessableEntityResponse(URL_REFUSED)
  testDraft(@Body() dto: TestDraftTriggerDto): Promise<TestSendResultDto> {
    return this.tests.testDraft(dto);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get one trigger',
    description: 'The secret and credential-like header values show as [redacted].',
  })
  @TriggerId()
  @ApiOkResponse({ type: TriggerDto, description: 'The trigger; secret and credentials redacted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  get(@Param('id', uuid) id: string): Promise<TriggerDto> {
    return this.triggers.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a trigger',
    description:
      'Any field. An action whose secret is omitted or [redacted] keeps the stored secret (the old placeholder ******** is deprecated but still keeps it), and [redacted] header values keep the stored values. Applies from the next event on.',
  })
  @TriggerId()
  // Every field is optional: a bodiless PATCH changes nothing and answers the trigger.
  @ApiBody({
    type: UpdateTriggerDto,
    required: false,
    examples: {
      disable: { value: { enabled: false } },
      newUrl: {
        value: {
          action: { type: 'webhook', url: 'https://alerts.example.com/v2', secret: REDACTED },
        },
      },
    },
  })
  @ApiOkResponse({ type: TriggerDto, description: 'The trigger as changed' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  @ApiConflictResponse({ type: ProblemDto, description: 'The name is taken' })
  @ApiUnprocessableEntityResponse(URL_REFUSED)
  update(@Param('id', uuid) id: string, @Body() dto: UpdateTriggerDto): Promise<TriggerDto> {
    return this.triggers.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a trigger',
    description: 'With its firing history, its delivery target and that target’s deliveries.',
  })
  @TriggerId()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.triggers.remove(id);
  }

  @Get(':id/secret')
  @ApiOperation({
    summary: 'The signing secret of a trigger',
    description: 'For setting up the receiver (Standard Webhooks, whsec_...).',
  })
  @TriggerId()
  @ApiOkResponse({ type: TriggerSecretDto, description: 'The signing secret (whsec_...)' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  secret(@Param('id', uuid) id: string): Promise<TriggerSecretDto> {
    return this.triggers.secret(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test-send a saved trigger',
    description:
      'Sends the real payload shape (sample or given event) now, signed with the stored secret, and answers with the attempt. With a draft action, its [redacted] secret and headers are replaced by the stored ones.',
  })
  @TriggerId()
  // Every field is optional: a bodiless test sends a sample event with the stored action.
  @ApiBody({
    type: TestSavedTriggerDto,
    required: false,
    examples: {
      sample: { value: {} },
      givenEvent: {
        value: { event: { source: 'backup', severity: 'error', data: { message: 'disk full' } } },
      },
    },
  })
  @ApiOkResponse({
    type: TestSendResultDto,
    description: 'The attempt (also when the receiver failed)',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  @ApiUnprocessableEntityResponse(URL_REFUSED)
  test(
    @Param('id', uuid) id: string,
    @Body() dto: TestSavedTriggerDto,
  ): Promise<TestSendResultDto> {
    return this.tests.testSaved(id, dto);
  }

  @Get(':id/firings')
  @ApiOperation({
    summary: 'Firing history (newest first, cursor paged)',
    description:
      'Each match: event id, outcome (fired, suppressed, silenced, undeliverable) and the delivery’s current state and attempt count.',
  })
  @TriggerId()
  @ApiOkResponse({ type: FiringPageDto, description: 'One page of firings, newest first' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  history(@Param('id', uuid) id: string, @Query() q: PageQueryDto): Promise<FiringPageDto> {
    return this.firings.history(id, q);
  }

  @Get(':id/stats')
  @ApiOperation({
    summary: 'Trigger statistics',
    description: 'Matches, fires, suppressed, silenced, failures, last fired, last error.',
  })
  @TriggerId()
  @ApiOkResponse({ type: TriggerStatsDto, description: 'The counters of this trigger' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such trigger' })
  stats(@Param('id', uuid) id: string): Promise<TriggerStatsDto> {
    return this.firings.stats(id);
  }
}
