import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { UserAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import { AppIdParam, MemberIdParam, SpaceIdParam } from '../sync-params.js';
import { AppIdPipe } from '../app-id.pipe.js';
import { AddMemberDto, CreateSpaceDto, SpaceDto, SpaceListDto } from '../dto/space.dto.js';
import { SpacesService } from './spaces.service.js';

const uuid = new ParseUUIDPipe();

/** A user's own spaces: create, list, share with members, leave. */
@ApiTags('Sync')
@UserAuth()
@ApiNotFoundResponse({ type: ProblemDto, description: 'No such space, or you are not a member' })
@Controller('sync/:appId/spaces')
export class SpacesController {
  constructor(private readonly spaces: SpacesService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a shared space (you become its owner)',
    description:
      'Records pushed with its `spaceId` are seen by every member; add members by user id.',
  })
  @AppIdParam()
  @ApiCreatedResponse({ type: SpaceDto, description: 'The new space, with you as owner' })
  create(
    @Param('appId', AppIdPipe) appId: string,
    @Body() dto: CreateSpaceDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SpaceDto> {
    return this.spaces.create(appId, p.id, dto.name);
  }

  @Get()
  @ApiOperation({
    summary: 'The spaces you are a member of',
    description: 'Spaces of this app you own or were added to, with their members.',
  })
  @AppIdParam()
  @ApiOkResponse({ type: SpaceListDto, description: 'Your spaces with their members' })
  async list(
    @Param('appId', AppIdPipe) appId: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<SpaceListDto> {
    return { data: await this.spaces.list(appId, { admin: false, userId: p.id }) };
  }

  @Post(':spaceId/members')
  @ApiOperation({
    summary: 'Add a member to your space',
    description:
      "The member's devices get a `resync` for the space at their next pull, push or stream.",
  })
  @AppIdParam()
  @SpaceIdParam()
  @HttpCode(200)
  @ApiOkResponse({ type: SpaceDto, description: 'The space with its members' })
  @ApiForbiddenResponse({ type: ProblemDto, description: 'Only the owner adds members' })
  addMember(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
    @Body() dto: AddMemberDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<SpaceDto> {
    return this.spaces.addMember(appId, spaceId, { admin: false, userId: p.id }, dto.userId);
  }

  @Delete(':spaceId/members/:userId')
  @ApiOperation({
    summary: 'Remove a member (or leave the space)',
    description:
      'The owner removes anyone but themself; a member may remove themself (leave). The ' +
      "removed user's devices get a `resync` and stop seeing the space's records.",
  })
  @AppIdParam()
  @SpaceIdParam()
  @MemberIdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed (the owner removes anyone, a member may leave)' })
  @ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Only the owner removes others; a member may only leave',
  })
  @ApiConflictResponse({ type: ProblemDto, description: 'The owner cannot be removed' })
  removeMember(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
    @Param('userId') userId: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    return this.spaces.removeMember(appId, spaceId, { admin: false, userId: p.id }, userId);
  }

  @Delete(':spaceId')
  @ApiOperation({
    summary: 'Delete your space',
    description: 'Deletes the space and every record in it, for every member.',
  })
  @AppIdParam()
  @SpaceIdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The space and its records are deleted' })
  @ApiForbiddenResponse({ type: ProblemDto, description: 'Only the owner deletes a space' })
  remove(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    return this.spaces.remove(appId, spaceId, { admin: false, userId: p.id });
  }
}
