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
  ApiAcceptedResponse,
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
import { ProblemDto } from '../common/http/problem.js';
import { IntegrationCardsService } from './cards/integration-cards.service.js';
import { CreateIntegrationDto } from './dto/create-integration.dto.js';
import {
  IntegrationCardDto,
  IntegrationDto,
  IntegrationListDto,
  IntegrationLogPageDto,
  ResyncResultDto,
  TestResultDto,
} from './dto/integration.dto.js';
import { ListLogsQueryDto } from './dto/integration-requests.dto.js';
import { UpdateIntegrationDto } from './dto/update-integration.dto.js';
import { IntegrationsService } from './integrations.service.js';

const uuid = new ParseUUIDPipe();
const IntegrationId = () =>
  ApiParam({
    name: 'id',
    format: 'uuid',
    description: 'The integration id (from the create answer)',
  });
const CardId = () =>
  ApiParam({ name: 'cardId', description: 'The id of a sync card this integration has seen' });
const SSRF = { type: ProblemDto, description: 'config.baseUrl refused by the SSRF guard' };

@ApiTags('Integrations')
@AdminOnly()
@ApiBadRequestResponse({
  type: ProblemDto,
  description: 'Invalid input; `errors` names each field',
})
@Controller('integrations')
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly cards: IntegrationCardsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Connect Jira (or GitHub Issues)',
    description:
      'Validates the config per kind (400 per field), seals it at rest, and starts acting on work-item events published from now on.',
  })
  @ApiCreatedResponse({
    type: IntegrationDto,
    description: 'Stored with its config sealed; secrets read back as "[redacted]"',
  })
  @ApiUnprocessableEntityResponse(SSRF)
  create(@Body() dto: CreateIntegrationDto): Promise<IntegrationDto> {
    return this.integrations.create(dto);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test an unsaved integration body',
    description:
      'Calls GET /rest/api/3/myself, then checks the project, the issue type and every statusMap target; answers each finding by config field. Nothing is stored.',
  })
  @ApiOkResponse({
    type: TestResultDto,
    description: 'Each check and its finding, by config field',
  })
  @ApiUnprocessableEntityResponse(SSRF)
  testUnsaved(@Body() dto: CreateIntegrationDto): Promise<TestResultDto> {
    return this.integrations.testUnsaved(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List integrations',
    description:
      'Secrets redacted; an integration whose config cannot be opened is listed with configError.',
  })
  @ApiOkResponse({ type: IntegrationListDto, description: 'Every integration, secrets redacted' })
  list(): Promise<IntegrationListDto> {
    return this.integrations.list();
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get one integration',
    description: 'Secrets read back as "[redacted]".',
  })
  @IntegrationId()
  @ApiOkResponse({ type: IntegrationDto, description: 'The integration, secrets redacted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such integration' })
  get(@Param('id', uuid) id: string): Promise<IntegrationDto> {
    return this.integrations.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an integration',
    description:
      'config is merged over the stored one; a secret field sent as "[redacted]" keeps the stored value.',
  })
  @IntegrationId()
  // Every field is optional: a bodiless PATCH changes nothing and answers the integration.
  @ApiBody({ type: UpdateIntegrationDto, required: false })
  @ApiOkResponse({ type: IntegrationDto, description: 'The integration as changed' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such integration' })
  @ApiUnprocessableEntityResponse(SSRF)
  update(
    @Param('id', uuid) id: string,
    @Body() dto: UpdateIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an integration',
    description: 'Removes its card projection and logs; issues in Jira stay.',
  })
  @IntegrationId()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such integration' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.integrations.remove(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test a saved integration',
    description:
      'The same checks as POST /integrations/test with the stored config; the calls appear in the log as operation "test".',
  })
  @IntegrationId()
  @ApiOkResponse({
    type: TestResultDto,
    description: 'Each check and its finding, by config field',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such integration' })
  @ApiConflictResponse({ type: ProblemDto, description: 'The stored config cannot be opened' })
  test(@Param('id', uuid) id: string): Promise<TestResultDto> {
    return this.integrations.test(id);
  }

  @Get(':id/logs')
  @ApiOperation({
    summary: 'Per-call log of an integration, newest first (cursor paged)',
    description:
      'One row per call to the remote system and per fault no call could fix (an unmapped column).',
  })
  @IntegrationId()
  @ApiOkResponse({ type: IntegrationLogPageDto, description: 'One page of log rows, newest first' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such integration' })
  logs(
    @Param('id', uuid) id: string,
    @Query() query: ListLogsQueryDto,
  ): Promise<IntegrationLogPageDto> {
    return this.cards.logsOf(id, query);
  }

  @Get(':id/cards/:cardId')
  @ApiOperation({
    summary: 'A card as this integration sees it',
    description:
      'The link to the remote issue, the last sync, the last error and the comments still to post.',
  })
  @IntegrationId()
  @CardId()
  @ApiOkResponse({ type: IntegrationCardDto, description: 'The card as this integration sees it' })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description:
      'No such integration, or no such card: `reason` is `before-cutoff` (created before the integration, so not synced) or `not-seen`',
  })
  card(
    @Param('id', uuid) id: string,
    @Param('cardId') cardId: string,
  ): Promise<IntegrationCardDto> {
    return this.cards.card(id, cardId);
  }

  @Post(':id/cards/:cardId/resync')
  @HttpCode(202)
  @ApiOperation({
    summary: "Send a card's whole state again",
    description: "Forgets what was synced and queues a sync job in the card's order.",
  })
  @IntegrationId()
  @CardId()
  @ApiAcceptedResponse({ type: ResyncResultDto, description: 'The sync job is queued' })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description: 'No such integration, or the card was never seen',
  })
  resync(@Param('id', uuid) id: string, @Param('cardId') cardId: string): Promise<ResyncResultDto> {
    return this.cards.resync(id, cardId);
  }
}
