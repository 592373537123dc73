import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import { OptionalHeader } from '../../common/http/optional-header.decorator.js';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { UserAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import { AppIdParam } from '../sync-params.js';
import { AppIdPipe } from '../app-id.pipe.js';
import { ClientIdHeader, MAX_CLIENT_ID_LENGTH } from '../client-id-header.js';
import { EXAMPLE_CURSOR } from '../cursor.js';
import { PUSH_EXAMPLES, PushDto } from '../dto/push.dto.js';
import { PullQueryDto, SnapshotQueryDto, StreamQueryDto } from '../dto/queries.dto.js';
import { PullResponseDto, PushResponseDto, SnapshotResponseDto } from '../dto/responses.dto.js';
import { StreamSession } from '../stream/stream-session.js';
import { SyncStreamHub } from '../stream/stream-hub.js';
import { ChangesetLimitInterceptor } from './changeset-limit.interceptor.js';
import { PushService } from './push.service.js';
import { SnapshotService } from './snapshot.service.js';
import { SyncReadService } from './sync-read.service.js';

const clientIdHeader = ApiHeader({
  name: 'X-Client-Id',
  required: false,
  schema: { type: 'string', maxLength: MAX_CLIENT_ID_LENGTH },
  description: 'The device; wins over clientId in the body or query',
});

@ApiTags('Sync')
@UserAuth()
@ApiBadRequestResponse({ type: ProblemDto, description: 'Invalid input or cursor' })
@ApiGoneResponse({
  type: ProblemDto,
  description:
    'Cursor below the compacted horizon, ahead of the log, or from another log (a restored or moved database): { reset: true }, load the snapshot',
})
@Controller('sync')
export class SyncController {
  constructor(
    private readonly pushes: PushService,
    private readonly reader: SyncReadService,
    private readonly snapshots: SnapshotService,
    private readonly hub: SyncStreamHub,
  ) {}

  @Post(':appId')
  @HttpCode(200)
  @Header('content-type', 'application/json; charset=utf-8')
  @UseInterceptors(ChangesetLimitInterceptor)
  @ApiOperation({
    summary: 'Push a changeset; get the changes of other clients since `since`',
    description:
      'Applies each change with per-field last-writer-wins (by client time), durably, and ' +
      'answers with what other clients changed since `since`, the conflicts this push lost, ' +
      'times clamped to the server clock, and spaces to resync. Idempotent per eventId. See ' +
      'docs/sync-protocol.md.',
  })
  @AppIdParam()
  @clientIdHeader
  @ApiBody({ type: PushDto, examples: PUSH_EXAMPLES })
  @ApiOkResponse({
    type: PushResponseDto,
    description: 'Accepted; the changes of others, conflicts, clamps and the next cursor',
  })
  @ApiConflictResponse({
    type: ProblemDto,
    description:
      'A change moves a record to another space, or its space was deleted while the push ran',
  })
  @ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Not a member of the space, or not your record',
  })
  @ApiPayloadTooLargeResponse({ type: ProblemDto, description: 'Over 5,000 changes or 10 MiB' })
  push(
    @Param('appId', AppIdPipe) appId: string,
    @Body() dto: PushDto,
    @CurrentPrincipal() principal: Principal,
    @ClientIdHeader() clientId?: string,
  ): Promise<string> {
    return this.pushes.push(appId, principal.id, dto, clientId);
  }

  @Get(':appId/pull')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOperation({
    summary: 'Changes of one table since a cursor',
    description:
      'Changes of `collection` visible to you (your records and your spaces) after `since`, ' +
      'oldest first, up to `limit`; `hasMore` says to pull again from `syncedUntil`. Your own ' +
      "client's changes (X-Client-Id) are left out.",
  })
  @AppIdParam()
  @clientIdHeader
  @ApiOkResponse({ type: PullResponseDto, description: 'A page of changes and the next cursor' })
  pull(
    @Param('appId', AppIdPipe) appId: string,
    @Query() query: PullQueryDto,
    @CurrentPrincipal() principal: Principal,
    @ClientIdHeader() clientId?: string,
  ): Promise<string> {
    return this.reader.pull(appId, principal.id, query, clientId);
  }

  @Get(':appId/snapshot')
  @ApiOperation({
    summary: 'Current state of one table, paged; then pull from syncedUntil',
    description:
      'For a new device: every live record of `collection` you can see (optionally one ' +
      'space), paged with `next`; once every page is loaded, pull or stream from `syncedUntil`.',
  })
  @AppIdParam()
  @ApiOkResponse({ type: SnapshotResponseDto, description: 'A page of records' })
  @ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Not a member of the `spaceId` asked for, or credentials not accepted',
  })
  snapshot(
    @Param('appId', AppIdPipe) appId: string,
    @Query() query: SnapshotQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SnapshotResponseDto> {
    return this.snapshots.snapshot(appId, principal.id, query);
  }

  @Get(':appId/stream')
  @ApiOperation({
    summary: 'Server-Sent Events: backlog, then live changes',
    description:
      'Events: `changes` (one table each, with `id:`; resume with Last-Event-ID), `resync`, `heartbeat`, and a final `dropped` when the client fell too far behind. Without `collections`, every table. See docs/sync-protocol.md.',
  })
  @AppIdParam()
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event' })
  @clientIdHeader
  @ApiOkResponse({
    description: 'An event stream (text/event-stream) that stays open',
    schema: {
      type: 'string',
      example: `id: ${EXAMPLE_CURSOR}\nevent: changes\ndata: {"table":"cards","changes":[],"syncedUntil":"${EXAMPLE_CURSOR}","hasMore":false}\n\n`,
    },
  })
  @ApiTooManyRequestsResponse({
    type: ProblemDto,
    description: 'SYNC_STREAMS_PER_USER streams already open (Retry-After)',
  })
  async stream(
    @Param('appId', AppIdPipe) appId: string,
    @Query() query: StreamQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
    @OptionalHeader('last-event-id') lastEventId?: string,
    @ClientIdHeader() clientId?: string,
  ): Promise<void> {
    // Errors (bad or expired cursor) are still answered as problem+json: nothing sent yet.
    const field = lastEventId ? 'Last-Event-ID' : 'since';
    await this.reader.identity.ensureCurrent();
    const cursor = await this.reader.resolveSince(appId, lastEventId || query.since, field);
    const log = await this.reader.assertReadable(appId, cursor, field);
    // Gone while we looked: its close event has already fired, so nothing would free a session.
    if (res.destroyed) return;
    this.hub.admit(appId, principal.id);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const session = new StreamSession(
      appId,
      principal.id,
      // No collections: every table, as a mana-sync client may ask.
      query.collections ? new Set(query.collections.split(',')) : null,
      clientId || query.clientId,
      log,
      { tx: cursor.tx, seq: cursor.seq },
      res,
      this.hub.limits,
    );
    await this.hub.open(session);
  }
}
