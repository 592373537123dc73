import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { AdminAccountPageDto, AdminAccountsQueryDto } from '../dto/admin-account.dto.js';
import { AdminAccountsService } from './admin-accounts.service.js';

/** Operators' view of every user's CalDAV account. */
@ApiTags('Calendar')
@AdminOnly()
@Controller('admin/calendar/accounts')
export class AdminAccountsController {
  constructor(private readonly accounts: AdminAccountsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every connected CalDAV account (operators), by user id',
    description:
      'Server, user name, discovered URLs, its bindings and the worst error among them; never ' +
      'the password. Pass `nextCursor` back as `cursor` for the next page.',
  })
  @ApiOkResponse({ type: AdminAccountPageDto, description: 'One page of accounts, by user id' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'The limit or the cursor is invalid' })
  list(@Query() q: AdminAccountsQueryDto): Promise<AdminAccountPageDto> {
    return this.accounts.list(q.cursor, q.limit ?? 100);
  }
}
