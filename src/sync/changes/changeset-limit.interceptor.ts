import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { MAX_CHANGES, SyncException } from '../sync.exception.js';

/**
 * Refuses an oversized changeset with 413 before validation walks thousands of changes
 * (interceptors run before pipes).
 */
@Injectable()
export class ChangesetLimitInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<Request>().body as { changes?: unknown };
    if (Array.isArray(body?.changes) && body.changes.length > MAX_CHANGES)
      throw SyncException.tooManyChanges(body.changes.length);
    return next.handle();
  }
}
