import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { authConfig } from '../../config/auth.config.js';
import { ApiKeysService } from './api-keys.service.js';
import { AUDIENCES_KEY, PUBLIC_KEY } from './audience.decorator.js';
import { AuthException } from './auth.exception.js';
import { secretsEqual } from './credentials.js';
import { Audience, Principal } from './principal.js';
import { UserTokensService } from './user-tokens.service.js';

/**
 * Global guard, closed by default: a route without an audience decorator is admin-only.
 * Bad or missing credentials are a 401; good credentials of the wrong audience a 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly userTokens: UserTokensService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const allowed = this.reflector.getAllAndOverride<Audience[]>(AUDIENCES_KEY, targets) ?? [
      'admin',
    ];

    const req = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(req);
    const principal = await this.identify(token, allowed);
    if (!allowed.includes(principal.audience)) {
      throw AuthException.forbidden(
        `this route accepts ${allowed.join(' or ')} credentials, not ${principal.audience}`,
      );
    }
    req.principal = principal;
    return true;
  }

  private async identify(token: string, allowed: Audience[]): Promise<Principal> {
    if (secretsEqual(token, this.config.adminToken))
      return { audience: 'admin', id: 'admin-token', via: 'admin-token' };
    const key = await this.apiKeys.authenticate(token);
    if (key) return { audience: key.role, id: key.id, via: 'api-key' } as Principal;
    if (token.split('.').length === 3) {
      const userId = await this.userTokens.verify(token);
      return { audience: 'user', id: userId, via: 'jwt' };
    }
    throw AuthException.unauthorized(
      allowed.includes('user')
        ? 'bearer token is neither a valid API credential nor a JWT'
        : 'bearer token is not a valid admin token or API key',
    );
  }
}

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header)
    throw AuthException.unauthorized(
      'missing Authorization: Bearer <token> header',
      'invalid_request',
    );
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match)
    throw AuthException.unauthorized(
      'Authorization header must use the Bearer scheme',
      'invalid_request',
    );
  return match[1];
}
