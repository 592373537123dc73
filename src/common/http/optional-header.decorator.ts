import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * A request header the route treats as optional. Nest's `@Headers('name')` is documented by
 * Swagger as a *required* parameter (beside the route's own `@ApiHeader`), which made Swagger
 * UI's "Try it out" refuse calls without it; this decorator is invisible to Swagger, so the
 * route's `@ApiHeader({ required: false })` is the only description.
 */
export const OptionalHeader = createParamDecorator(
  (name: string, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  },
);
