import { createParamDecorator, ExecutionContext } from '@nestjs/common';

export type Audience = 'admin' | 'publisher' | 'user';

/** Who is calling. Admins and publishers are API principals; users come from a JWT `sub`. */
export type Principal =
  | { audience: 'admin'; id: string; via: 'admin-token' | 'api-key' }
  | { audience: 'publisher'; id: string; via: 'api-key' }
  | { audience: 'user'; id: string; via: 'jwt' };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);
