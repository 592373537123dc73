import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { ProblemDto } from '../common/http/problem.js';
import { JobDetailDto, JobPageDto, JobStatsDto, ListJobsQueryDto } from './dto/job.dto.js';
import { ListSchedulesQueryDto, SchedulePageDto } from './dto/schedule.dto.js';
import { JobsAdminService } from './jobs-admin.service.js';

const JobId = () => ApiParam({ name: 'id', format: 'uuid', description: 'The job id' });

@ApiTags('Jobs')
@AdminOnly()
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'List jobs, newest first, filtered by queue, status and key',
    description:
      "The modules' background work (network calls run as jobs). Pass `nextCursor` back as " +
      '`cursor` for the next page.',
  })
  @ApiOkResponse({ type: JobPageDto, description: 'One page of jobs, newest first' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A filter or the cursor is invalid' })
  list(@Query() query: ListJobsQueryDto): Promise<JobPageDto> {
    return this.jobs.list(query);
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Per queue: pending, due, running, failed, oldest due age',
    description: 'A quick health view of every queue: a growing oldest due age means a backlog.',
  })
  @ApiOkResponse({ type: JobStatsDto, description: 'Counts per queue' })
  stats(): Promise<JobStatsDto> {
    return this.jobs.stats();
  }

  @Get('schedules')
  @ApiOperation({
    summary:
      'List every recurring schedule: queue, key, interval or cron, time zone, last and next run',
    description:
      'Each schedule fires once per period (or cron fire time, read in its time zone) across all ' +
      'instances: the instance that claims it enqueues its job. By queue, then key; pass ' +
      '`nextCursor` back as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: SchedulePageDto, description: 'One page of schedules' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'The queue filter, limit or cursor is invalid',
  })
  schedules(@Query() query: ListSchedulesQueryDto): Promise<SchedulePageDto> {
    return this.jobs.listSchedules(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One job with every attempt, oldest first',
    description: 'Its payload, status, lease and each attempt with its outcome and error.',
  })
  @JobId()
  @ApiOkResponse({ type: JobDetailDto, description: 'The job with its attempts' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such job' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A failed or cancelled job back to pending, due now',
    description: 'Runs it again from the first attempt of its retry schedule.',
  })
  @JobId()
  @ApiOkResponse({ type: JobDetailDto, description: 'The job, pending and due now' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such job' })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'The job is pending, running or succeeded, or a pending job holds its dedupe key',
  })
  retry(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.retry(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a pending job (a running one finishes its attempt)',
    description: 'A cancelled job is kept (until retention) and can be retried.',
  })
  @JobId()
  @ApiOkResponse({ type: JobDetailDto, description: 'The job, cancelled' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The id is not a uuid' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such job' })
  @ApiConflictResponse({ type: ProblemDto, description: 'The job is not pending' })
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobDetailDto> {
    return this.jobs.cancel(id);
  }
}
