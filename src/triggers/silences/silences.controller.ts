import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
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
import {
  CreateSilenceDto,
  ListSilencesQueryDto,
  SilenceDto,
  SilencePageDto,
} from './silence.dto.js';
import { SilencesService } from './silences.service.js';

/** Registered before the triggers controller: `/triggers/silences` is not a trigger id. */
@ApiTags('Triggers')
@AdminOnly()
@ApiBadRequestResponse({ type: ProblemDto, description: 'A field is invalid (named in errors)' })
@Controller('triggers/silences')
export class SilencesController {
  constructor(private readonly silences: SilencesService) {}

  @Post()
  @ApiOperation({
    summary: 'Silence matching trigger firings for a while',
    description:
      'While the silence is in effect (startsAt <= event time < endsAt), every match it covers is recorded as silenced instead of fired. Matchers are ANDed and use the trigger matcher grammar plus `trigger` (the trigger name).',
  })
  @ApiCreatedResponse({ type: SilenceDto, description: 'Stored; in effect from startsAt' })
  create(@Body() dto: CreateSilenceDto): Promise<SilenceDto> {
    return this.silences.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List silences (newest first, cursor paged)',
    description: 'Optionally only the active, pending or expired ones.',
  })
  @ApiOkResponse({ type: SilencePageDto, description: 'One page of silences, newest first' })
  list(@Query() q: ListSilencesQueryDto): Promise<SilencePageDto> {
    return this.silences.list(q);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a silence',
    description:
      'Matches from the next event on fire again; past silenced firings stay in the history.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The silence id (from the create answer)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such silence' })
  remove(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.silences.remove(id);
  }
}
