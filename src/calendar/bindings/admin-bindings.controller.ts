import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { AdminBindingsQueryDto, BindingListDto } from '../dto/binding.dto.js';
import { BindingsService } from './bindings.service.js';

/** Operators' view of every user's bindings. */
@ApiTags('Calendar')
@AdminOnly()
@Controller('admin/calendar/bindings')
export class AdminBindingsController {
  constructor(private readonly bindings: BindingsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every binding (operators)',
    description:
      "All users' bindings with their last run, error and object count; filter by userId.",
  })
  @ApiOkResponse({ type: BindingListDto, description: "Every user's bindings, for operators" })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A malformed parameter' })
  async list(@Query() q: AdminBindingsQueryDto): Promise<BindingListDto> {
    return { data: await this.bindings.listAll(q.userId, q.limit ?? 100) };
  }
}
