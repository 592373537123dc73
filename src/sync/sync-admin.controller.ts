import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { ProblemDto } from '../common/http/problem.js';
import { AppIdParam, MemberIdParam, SpaceIdParam } from './sync-params.js';
import { AppIdPipe } from './app-id.pipe.js';
import { AppSettingsDto, AppSettingsResponseDto } from './dto/settings.dto.js';
import { AddMemberDto, SpaceDto, SpaceListDto } from './dto/space.dto.js';
import { AppSettingsService } from './settings/app-settings.service.js';
import { SpacesService } from './spaces/spaces.service.js';

const uuid = new ParseUUIDPipe();
const ADMIN = { admin: true } as const;

/** Operators: an app's settings, and every space of an app. */
@ApiTags('Sync')
@AdminOnly()
@Controller('sync/apps/:appId')
export class SyncAdminController {
  constructor(
    private readonly settings: AppSettingsService,
    private readonly spaces: SpacesService,
  ) {}

  @Get('settings')
  @ApiOperation({
    summary: 'Sync settings of an app (tables published on the bus, mana-sync pulls)',
    description:
      'Which tables publish their accepted changes as `sync.<table>.<op>` events (for webhooks ' +
      'and triggers), and whether pulls also answer in mana-sync’s shape (`serverChanges`). ' +
      'An app never configured answers its defaults.',
  })
  @AppIdParam()
  @ApiOkResponse({ type: AppSettingsResponseDto, description: 'The settings of the app' })
  getSettings(@Param('appId', AppIdPipe) appId: string): Promise<AppSettingsResponseDto> {
    return this.settings.get(appId);
  }

  @Put('settings')
  @ApiOperation({
    summary: 'Set the sync settings of an app',
    description: 'Replaces the settings; changes accepted from now on follow them.',
  })
  @AppIdParam()
  @ApiOkResponse({ type: AppSettingsResponseDto, description: 'The settings as stored' })
  putSettings(
    @Param('appId', AppIdPipe) appId: string,
    @Body() dto: AppSettingsDto,
  ): Promise<AppSettingsResponseDto> {
    return this.settings.put(appId, dto);
  }

  @Get('spaces')
  @ApiOperation({
    summary: 'Every space of an app',
    description: 'For operators: every space of the app with owner and members.',
  })
  @AppIdParam()
  @ApiOkResponse({ type: SpaceListDto, description: 'Every space with its members' })
  async listSpaces(@Param('appId', AppIdPipe) appId: string): Promise<SpaceListDto> {
    return { data: await this.spaces.list(appId, ADMIN) };
  }

  @Post('spaces/:spaceId/members')
  @ApiOperation({
    summary: 'Add a member to a space (admin)',
    description: 'As the owner would, for any space of the app.',
  })
  @AppIdParam()
  @SpaceIdParam()
  @HttpCode(200)
  @ApiOkResponse({ type: SpaceDto, description: 'The space with its members' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such space in this app' })
  addMember(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
    @Body() dto: AddMemberDto,
  ): Promise<SpaceDto> {
    return this.spaces.addMember(appId, spaceId, ADMIN, dto.userId);
  }

  @Delete('spaces/:spaceId/members/:userId')
  @ApiOperation({
    summary: 'Remove a member from a space (admin)',
    description: "The removed user's devices get a `resync` and stop seeing the space's records.",
  })
  @AppIdParam()
  @SpaceIdParam()
  @MemberIdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such space in this app' })
  @ApiConflictResponse({ type: ProblemDto, description: 'The owner cannot be removed' })
  removeMember(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
    @Param('userId') userId: string,
  ): Promise<void> {
    return this.spaces.removeMember(appId, spaceId, ADMIN, userId);
  }

  @Delete('spaces/:spaceId')
  @ApiOperation({
    summary: 'Delete a space (admin)',
    description: 'Deletes the space and every record in it, for every member.',
  })
  @AppIdParam()
  @SpaceIdParam()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The space and its records are deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such space in this app' })
  removeSpace(
    @Param('appId', AppIdPipe) appId: string,
    @Param('spaceId', uuid) spaceId: string,
  ): Promise<void> {
    return this.spaces.remove(appId, spaceId, ADMIN);
  }
}
