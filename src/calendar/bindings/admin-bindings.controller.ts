import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import {
  AdminBindingsQueryDto,
  BindingPageDto,
  SyncLogDto,
  SyncLogQueryDto,
  SyncNowQueryDto,
  SyncStartedDto,
} from '../dto/binding.dto.js';
import { BindingsService } from './bindings.service.js';

const uuid = new ParseUUIDPipe();
const BindingId = () =>
  ApiParam({ name: 'id', format: 'uuid', description: "Any user's binding id (from the list)" });

/** Operators' view of every user's bindings: the list, "sync now" and each one's sync log. */
@ApiTags('Calendar')
@AdminOnly()
@Controller('admin/calendar/bindings')
export class AdminBindingsController {
  constructor(private readonly bindings: BindingsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every binding (operators)',
    description:
      "All users' bindings with their last run, error and object count, by user then creation; " +
      'filter by userId. Pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: BindingPageDto, description: "Every user's bindings, for operators" })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A malformed parameter' })
  list(@Query() q: AdminBindingsQueryDto): Promise<BindingPageDto> {
    return this.bindings.listAll(q.userId, q.limit ?? 100, q.cursor);
  }

  @Post(':id/sync')
  @BindingId()
  @HttpCode(202)
  @ApiOperation({
    summary: "Sync any user's binding now (operators)",
    description:
      'As the owner\'s "sync now": queues a run (never two at once for one binding). ' +
      'confirmDeletes=true lets a run past the mass-delete guard.',
  })
  @ApiAcceptedResponse({
    type: SyncStartedDto,
    description: 'A run is queued; its result appears in the sync log',
  })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'A malformed id or flag, or the binding is disabled',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding' })
  sync(@Param('id', uuid) id: string, @Query() q: SyncNowQueryDto): Promise<SyncStartedDto> {
    return this.bindings.syncNow(undefined, id, q.confirmDeletes === true);
  }

  @Get(':id/sync-log')
  @BindingId()
  @ApiOperation({
    summary: "Runs of any user's binding, newest first (operators)",
    description:
      'One row per run: start, duration, created, updated, deleted, unchanged, remote changes, errors and the first error.',
  })
  @ApiOkResponse({ type: SyncLogDto, description: 'Runs of this binding, newest first' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A malformed id or limit' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding' })
  async syncLog(@Param('id', uuid) id: string, @Query() q: SyncLogQueryDto): Promise<SyncLogDto> {
    return { data: await this.bindings.syncLogOf(undefined, id, q.limit ?? 50) };
  }
}
