import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { UserAuth } from '../../common/auth/audience.decorator.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { ProblemDto } from '../../common/http/problem.js';
import {
  AccountDto,
  AccountTestDto,
  CalendarListDto,
  DisconnectAccountQueryDto,
  PutAccountDto,
} from '../dto/account.dto.js';
import { AccountDisconnectService } from './account-disconnect.service.js';
import { AccountsService } from './accounts.service.js';

/** Your own CalDAV account (one per user). */
@ApiTags('Calendar')
@UserAuth()
@Controller('calendar')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly disconnecting: AccountDisconnectService,
  ) {}

  @Put('account')
  @ApiOperation({
    summary: 'Connect (or change) your CalDAV account',
    description:
      'Checks the URL with the SSRF guard, then discovers your principal and calendar home (via /.well-known/caldav). The password is sealed at rest and never shown again (reads show [redacted]; a PUT that sends [redacted] or omits it keeps the stored one). Credentials go only to the origin (scheme, host, port) of serverUrl: a principal, home set, calendar or well-known redirect on another origin is refused (422 naming it), and moving serverUrl to another origin needs the password again (400 naming password). Changing the password or the URL spelling of the same server is fine; moving to another calendar home (server or user) needs your bindings deleted first (409). With no binding yet and autoBind not false, binds your first calendar (creating one if there is none) to everything you can see.',
  })
  @ApiOkResponse({ type: AccountDto, description: 'Connected; the account as stored' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'A field is missing or malformed, or serverUrl moves to another origin without the password',
  })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description:
      'URL refused by the SSRF guard, or discovery failed: the server refused, answered something unreadable (quoted, redacted) or named a URL on another origin (the field named is the one to fix)',
  })
  @ApiConflictResponse({
    type: ProblemDto,
    description:
      'The account is being disconnected (the hub is still removing its objects from the server; try again shortly), or the PUT would move an account that has bindings to another calendar home (another server or user): delete those bindings first, since their calendars live under the old one',
  })
  put(@Body() dto: PutAccountDto, @CurrentPrincipal() p: Principal): Promise<AccountDto> {
    return this.accounts.put(p.id, dto);
  }

  @Delete('account')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Disconnect your CalDAV account',
    description:
      'Deletes every binding of yours as DELETE /calendar/bindings/{id} does and forgets the account. Unless keepRemote=true, the objects the hub wrote are removed from the server in the background (with If-Match: ones edited there since are kept; objects the hub did not write are never touched). Sync-log rows stay, with the binding id cleared. The account reads as gone at once; its row and sealed password are deleted as soon as that removal has finished, and until then PUT /calendar/account answers 409.',
  })
  @ApiNoContentResponse({ description: 'Disconnected; the removal from the server is queued' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'keepRemote is not true or false' })
  @ApiNotFoundResponse({
    type: ProblemDto,
    description: 'No account connected (or it is already being disconnected)',
  })
  disconnect(
    @Query() q: DisconnectAccountQueryDto,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    return this.disconnecting.disconnect(p.id, q.keepRemote === true);
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
    description:
      'The server refused or failed the listing, answered something unreadable, or listed a calendar on another origin or with a malformed %-escape',
  })
  calendars(@CurrentPrincipal() p: Principal): Promise<CalendarListDto> {
    return this.accounts.calendars(p.id);
  }
}
