import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SyncException } from './sync.exception.js';

/** Same limit as the body's and query's `clientId`. */
export const MAX_CLIENT_ID_LENGTH = 200;

/**
 * `X-Client-Id`: the device, stored with every change it pushes. An empty header means none
 * (undefined), as before; anything else obeys the limit the body's clientId has.
 */
export const ClientIdHeader = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().headers['x-client-id'];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || value.length > MAX_CLIENT_ID_LENGTH)
      throw SyncException.invalid(
        'X-Client-Id',
        `must be one header of at most ${MAX_CLIENT_ID_LENGTH} characters`,
      );
    return value;
  },
);
