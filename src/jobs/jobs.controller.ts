import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { ProblemDto } from '../common/http/problem.js';
import { JobDetailDto, JobPageDto, JobStatsDto, ListJobsQueryDto } from './dto/job.dto.js';
import { JobsAdminService } from './jobs-admin.service.js';

@ApiTags('Jobs')
@AdminOnly()
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsAdminService) {}

  @Get()
  @ApiOperation({ summary: 'List jobs, newest first, filtered by queue, status and key' })
  @ApiOkResponse({ type: JobPageDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A filter or the cursor is invalid' })
  list(@Query() query: ListJobsQueryDto): Promise<JobPageDto> {
    return this.jobs.list(query);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Per queue: pending, due, running, failed, oldest due age' })
  @ApiOkResponse({ type: JobStatsDto })
  stats(): Promise<JobStatsDto> {
    return this.jobs.stats();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One job with every attempt, oldest first' })
  @ApiOkResponse({ type: JobDetailDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'A failed or cancelled job back to pending, due now' })
  @ApiOkResponse({ type: JobDetailDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'The job is pending, running or succeeded, or a pending job holds its dedupe key',
  })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.retry(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pending job (a running one finishes its attempt)' })
  @ApiOkResponse({ type: JobDetailDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ type: ProblemDto, description: 'The job is not pending' })
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.cancel(id);
  }
}
