import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { UserAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import { AccountDto, AccountTestDto, CalendarListDto, PutAccountDto } from '../dto/account.dto.js';
import { AccountsService } from './accounts.service.js';

/** Your own CalDAV account (one per user). */
@ApiTags('Calendar')
@UserAuth()
@Controller('calendar')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Put('account')
  @ApiOperation({
    summary: 'Connect (or change) your CalDAV account',
    description:
      'Checks the URL with the SSRF guard, then discovers your principal and calendar home (via /.well-known/caldav). The password is sealed at rest and never shown again (reads show [redacted]; a PUT that sends [redacted] or omits it keeps the stored one). With no binding yet and autoBind not false, binds your first calendar (creating one if there is none) to everything you can see.',
  })
  @ApiOkResponse({ type: AccountDto, description: 'Connected; the account as stored' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'A field is missing or malformed' })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description:
      'URL refused by the SSRF guard, or discovery failed (the field named is the one to fix)',
  })
  put(@Body() dto: PutAccountDto, @CurrentPrincipal() p: Principal): Promise<AccountDto> {
    return this.accounts.put(p.id, dto);
  }

  @Get('account')
  @ApiOperation({
    summary: 'Your CalDAV account',
    description:
      'The password shows as [redacted]; worstError is the worst error among your bindings.',
  })
  @ApiOkResponse({
    type: AccountDto,
    description: 'The account; the password shows as [redacted]',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No account connected yet' })
  get(@CurrentPrincipal() p: Principal): Promise<AccountDto> {
    return this.accounts.get(p.id);
  }

  @Post('account/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test your CalDAV account',
    description:
      'Runs discovery again with the stored credentials; a failure is reported in the answer (ok: false).',
  })
  @ApiOkResponse({
    type: AccountTestDto,
    description: 'Whether discovery and login work, and why not',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No account connected yet' })
  test(@CurrentPrincipal() p: Principal): Promise<AccountTestDto> {
    return this.accounts.test(p.id);
  }

  @Get('calendars')
  @ApiOperation({
    summary: 'Your calendars on the CalDAV server',
    description:
      'Asks the server now: href (calendarPath), name, whether it takes events and offers a sync-token, and which binding uses it.',
  })
  @ApiOkResponse({ type: CalendarListDto, description: 'The calendars discovered in the home set' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No account connected yet' })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'The server refused or failed the listing',
  })
  calendars(@CurrentPrincipal() p: Principal): Promise<CalendarListDto> {
    return this.accounts.calendars(p.id);
  }
}
