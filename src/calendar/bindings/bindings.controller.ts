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
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { UserAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import {
  BindingDto,
  BindingListDto,
  CreateBindingDto,
  DeleteBindingQueryDto,
  SyncLogDto,
  SyncLogQueryDto,
  SyncNowQueryDto,
  SyncStartedDto,
  UpdateBindingDto,
} from '../dto/binding.dto.js';
import { BindingsService } from './bindings.service.js';

const uuid = new ParseUUIDPipe();
const BindingId = () =>
  ApiParam({
    name: 'id',
    format: 'uuid',
    description: 'The binding id (from the create answer or the list)',
  });

/** Your bindings: which appointments go to which calendar. Another user's binding is a 404. */
@ApiTags('Calendar')
@UserAuth()
@ApiBadRequestResponse({
  type: ProblemDto,
  description: 'A field or parameter is missing or malformed',
})
@Controller('calendar/bindings')
export class BindingsController {
  constructor(private readonly bindings: BindingsService) {}

  @Post()
  @ApiOperation({
    summary: 'Bind a calendar to a scope',
    description:
      'calendarPath is one of GET /calendar/calendars (or create: true makes a new calendar). scopeId is required for project, client, litigation, patent and case and must be absent for all_visible and personal_only. The first sync starts at once.',
  })
  @ApiCreatedResponse({ type: BindingDto, description: 'The binding; its first sync is queued' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No account connected yet' })
  @ApiConflictResponse({ type: ProblemDto, description: 'That calendar is already bound' })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'Not one of your calendars, or the server refused',
  })
  create(@Body() dto: CreateBindingDto, @CurrentPrincipal() p: Principal): Promise<BindingDto> {
    return this.bindings.create(p.id, dto);
  }

  @Get()
  @ApiOperation({
    summary: 'Your bindings',
    description:
      'all_visible first, then personal_only, then the rest by creation; each with its last run and next run.',
  })
  @ApiOkResponse({
    type: BindingListDto,
    description: 'all_visible first, then personal_only, then the rest by creation',
  })
  async list(@CurrentPrincipal() p: Principal): Promise<BindingListDto> {
    return { data: await this.bindings.list(p.id) };
  }

  @Get(':id')
  @BindingId()
  @ApiOperation({
    summary: 'One of your bindings',
    description: 'With lastSyncAt, lastSyncError and nextSyncAt.',
  })
  @ApiOkResponse({ type: BindingDto, description: 'The binding with its sync status' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding of yours' })
  get(@Param('id', uuid) id: string, @CurrentPrincipal() p: Principal): Promise<BindingDto> {
    return this.bindings.get(p.id, id);
  }

  @Patch(':id')
  @BindingId()
  @ApiOperation({
    summary: 'Change a binding',
    description:
      'A new scope takes effect at the next run, which starts at once: objects that left the scope are deleted.',
  })
  @ApiOkResponse({ type: BindingDto, description: 'The binding with its sync status' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding of yours' })
  update(
    @Param('id', uuid) id: string,
    @Body() dto: UpdateBindingDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<BindingDto> {
    return this.bindings.update(p.id, id, dto);
  }

  @Delete(':id')
  @BindingId()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a binding',
    description:
      'Removes the binding and (unless keepRemote=true) the objects it wrote to the calendar, in the background. Its sync log stays, with the binding id cleared.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding of yours' })
  remove(
    @Param('id', uuid) id: string,
    @Query() q: DeleteBindingQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    return this.bindings.remove(p.id, id, q.keepRemote === true);
  }

  @Post(':id/sync')
  @BindingId()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Sync a binding now',
    description:
      'Queues a run (never two at once for one binding). confirmDeletes=true lets a run past the mass-delete guard.',
  })
  @ApiAcceptedResponse({
    type: SyncStartedDto,
    description: 'A run is queued; its result appears in the sync log',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding of yours' })
  sync(
    @Param('id', uuid) id: string,
    @Query() q: SyncNowQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SyncStartedDto> {
    return this.bindings.syncNow(p.id, id, q.confirmDeletes === true);
  }

  @Get(':id/sync-log')
  @BindingId()
  @ApiOperation({
    summary: 'Runs of a binding, newest first',
    description:
      'One row per run: start, duration, created, updated, deleted, unchanged, remote changes, errors and the first error.',
  })
  @ApiOkResponse({ type: SyncLogDto, description: 'Runs of this binding, newest first' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such binding of yours' })
  async syncLog(
    @Param('id', uuid) id: string,
    @Query() q: SyncLogQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SyncLogDto> {
    return { data: await this.bindings.syncLogOf(p.id, id, q.limit ?? 50) };
  }
}
