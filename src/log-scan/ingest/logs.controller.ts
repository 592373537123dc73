import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { AdminOnly, PublisherAuth } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { EffectiveRulesDto } from '../rules/dto/log-rule.dto.js';
import { LogRulesService } from '../rules/log-rules.service.js';
import { LogStatsDto } from '../stats/dto/log-stats.dto.js';
import { LogStatsService } from '../stats/log-stats.service.js';
import { IngestLogsDto, IngestLogsQueryDto } from './dto/ingest-logs.dto.js';
import { IngestResultDto } from './dto/ingest-result.dto.js';
import { MAX_LINES_PER_REQUEST, parseJsonBatch, parseNdjsonBatch } from './log-batch.js';
import { LogIngestService } from './log-ingest.service.js';
import { SourceParamPipe } from './source-param.pipe.js';

@ApiTags('Log scan')
@Controller('logs')
export class LogsController {
  constructor(
    private readonly ingest: LogIngestService,
    private readonly rules: LogRulesService,
    private readonly stats: LogStatsService,
  ) {}

  @Post()
  @PublisherAuth()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send log lines to be scanned',
    description: `Up to ${MAX_LINES_PER_REQUEST} lines or 1 MiB per request, as JSON or NDJSON (one object per line with text, message or log; source and stream from the query string; what Vector and Fluent Bit send). Each line is scanned against the source's effective rules; hits that pass the rule's cooldown and the source's token bucket become events, committed before the 202. Lines over 16 KiB are cut at a UTF-8 boundary and listed in \`truncated\`.`,
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({
    type: IngestLogsDto,
    examples: {
      json: {
        summary: 'JSON batch',
        value: {
          source: 'backup',
          stream: 'stderr',
          lines: [
            { text: 'backup: disk /dev/sdb1 full', time: '2026-12-01T21:14:03Z' },
            'backup finished with errors',
          ],
        },
      },
    },
  })
  @ApiAcceptedResponse({
    type: IngestResultDto,
    description: 'Scanned; the events of published hits are durable',
  })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Invalid batch; `errors` names each field',
  })
  @ApiPayloadTooLargeResponse({ type: ProblemDto, description: 'Body over 1 MiB' })
  @ApiUnsupportedMediaTypeResponse({ type: ProblemDto, description: 'Neither JSON nor NDJSON' })
  send(@Body() body: unknown, @Query() query: IngestLogsQueryDto, @Req() req: Request) {
    const batch =
      typeof req.body === 'string'
        ? parseNdjsonBatch(req.body, query)
        : parseJsonBatch(body, query);
    return this.ingest.ingest(batch);
  }

  @Get('stats')
  @AdminOnly()
  @ApiOperation({
    summary: 'Log-scan counters',
    description:
      'Lines in, hits, events published and hits dropped (by cooldown or rate limit), in total, per source and per rule, plus saved rules the regex engine refuses. Counted in the database: the same on every instance.',
  })
  @ApiOkResponse({
    type: LogStatsDto,
    description: 'The counters, in total, per source and per rule',
  })
  getStats(): Promise<LogStatsDto> {
    return this.stats.get();
  }

  @Get('sources/:source/effective-rules')
  @AdminOnly()
  @ApiOperation({
    summary: "The rules that scan one source's lines",
    description:
      'The global rules minus those the source overrides, plus its own rules; and which global rules it overrides.',
  })
  @ApiParam({
    name: 'source',
    description: 'A source name as sent in POST /logs',
    example: 'nas-01',
  })
  @ApiOkResponse({
    type: EffectiveRulesDto,
    description: 'The rules scanning this source, and the global rules it overrides',
  })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Source name too long or not storable' })
  effective(@Param('source', SourceParamPipe) source: string): Promise<EffectiveRulesDto> {
    return this.rules.effective(source);
  }
}
