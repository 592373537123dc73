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
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { CreateLogRuleDto } from './dto/create-log-rule.dto.js';
import { LogRuleDto, LogRulePageDto } from './dto/log-rule.dto.js';
import {
  ListLogRulesQueryDto,
  TestLogRuleDto,
  TestLogRuleResultDto,
} from './dto/log-rule-requests.dto.js';
import { UpdateLogRuleDto } from './dto/update-log-rule.dto.js';
import { LogRulesService } from './log-rules.service.js';

const uuid = new ParseUUIDPipe();
const RuleId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: 'The rule id (from the create answer)' });

@ApiTags('Log scan')
@AdminOnly()
@ApiBadRequestResponse({
  type: ProblemDto,
  description: "Invalid input; `errors` names each field (a bad pattern carries RE2's reason)",
})
@Controller('logs/rules')
export class LogRulesController {
  constructor(private readonly rules: LogRulesService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a log-scan rule',
    description:
      'A global rule scans every source; a `source` rule only its source, and with `overrides` it replaces (or, disabled, mutes) one global rule there. Applies from the next POST /logs on, on every instance.',
  })
  @ApiCreatedResponse({ type: LogRuleDto, description: 'Stored; applies from the next POST /logs' })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Name taken in this scope, or this source already overrides that rule',
  })
  create(@Body() dto: CreateLogRuleDto): Promise<LogRuleDto> {
    return this.rules.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List log-scan rules (cursor paged)',
    description: 'Oldest first; filter by scope or by the source of source rules.',
  })
  @ApiOkResponse({ type: LogRulePageDto, description: 'One page of rules, oldest first' })
  list(@Query() query: ListLogRulesQueryDto): Promise<LogRulePageDto> {
    return this.rules.list(query);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Try a pattern on a sample line',
    description:
      'Runs the pattern as a rule would (RE2, searched anywhere in the line) and returns whether it matched and the named captures. Saves nothing.',
  })
  @ApiOkResponse({
    type: TestLogRuleResultDto,
    description: 'Whether the pattern matched, and its named captures',
  })
  test(@Body() dto: TestLogRuleDto): TestLogRuleResultDto {
    return this.rules.test(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one log-scan rule', description: 'By id.' })
  @RuleId()
  @ApiOkResponse({ type: LogRuleDto, description: 'The rule' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such rule' })
  get(@Param('id', uuid) id: string): Promise<LogRuleDto> {
    return this.rules.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a log-scan rule',
    description:
      'Any field but the scope (`scope`, `source`, `overrides` are fixed at creation). `stream: null` clears the stream filter.',
  })
  @RuleId()
  // Every field is optional: a bodiless PATCH changes nothing and answers the rule.
  @ApiBody({ type: UpdateLogRuleDto, required: false })
  @ApiOkResponse({ type: LogRuleDto, description: 'The rule as changed' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such rule' })
  @ApiConflictResponse({ type: ProblemDto, description: 'Name taken in this scope' })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateLogRuleDto): Promise<LogRuleDto> {
    return this.rules.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a log-scan rule',
    description:
      "Deleting a global rule deletes every source's override of it in the same transaction. Its counters stay in GET /logs/stats.",
  })
  @RuleId()
  @ApiNoContentResponse({ description: 'Deleted, with its overrides and cooldowns' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such rule' })
  remove(@Param('id', uuid) id: string): Promise<void> {
    return this.rules.remove(id);
  }
}
