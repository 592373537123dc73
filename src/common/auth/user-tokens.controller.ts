import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';
import { AdminOnly, AnyAuth } from './audience.decorator.js';
import { CreateUserTokenDto, UserTokenDto, WhoAmIDto } from './dto/user-token.dto.js';
import { CurrentPrincipal } from './principal.js';
import type { Principal } from './principal.js';
import { UserTokensService } from './user-tokens.service.js';

@ApiTags('Admin')
@Controller()
export class UserTokensController {
  constructor(private readonly userTokens: UserTokensService) {}

  @Post('admin/user-tokens')
  @ApiOperation({
    summary: 'Mint a user JWT (HS256 mode) for testing and tools',
    description:
      'Signs a JWT with `sub` = userId, valid for ttlSeconds (default 1 h), for the user routes ' +
      '(Sync). Authorize as `user` with it. Only when the server holds the signing secret.',
  })
  @AdminOnly()
  @ApiCreatedResponse({ type: UserTokenDto, description: 'An HS256 JWT for acting as this user' })
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'This server verifies tokens from a JWKS URL and holds no signing key',
  })
  mint(@Body() dto: CreateUserTokenDto): Promise<UserTokenDto> {
    return this.userTokens.mint(dto.userId, dto.ttlSeconds ?? 3600);
  }

  @Get('auth/whoami')
  @ApiOperation({
    summary: 'Who the presented credential is (any audience)',
    description: 'Checks a credential: its audience, identity and kind.',
  })
  @AnyAuth()
  @ApiOkResponse({ type: WhoAmIDto, description: 'Who the presented credential identifies' })
  whoami(@CurrentPrincipal() principal: Principal): WhoAmIDto {
    return { audience: principal.audience, id: principal.id, via: principal.via };
  }
}
