import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiUnauthorizedResponse,
  DECORATORS,
} from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';
import type { Audience } from './principal.js';

export const AUDIENCES_KEY = 'hub:audiences';
export const PUBLIC_KEY = 'hub:public';
export const ADMIN_SCHEME = 'admin';
export const USER_SCHEME = 'user';

/**
 * One decorator per audience sets both the guard metadata and the Swagger security, so the
 * docs and the enforcement cannot drift. A route without any of these is admin-only.
 */
function audiences(...list: Audience[]) {
  const schemes = new Set(list.map((a) => (a === 'user' ? USER_SCHEME : ADMIN_SCHEME)));
  return applyDecorators(
    SetMetadata(AUDIENCES_KEY, list),
    ...[...schemes].map((s) => ApiBearerAuth(s)),
    ApiUnauthorizedResponse({ description: 'Missing or invalid credentials', type: ProblemDto }),
    ApiForbiddenResponse({
      description: 'Credentials valid but not accepted by this route',
      type: ProblemDto,
    }),
  );
}

/** Admin token or an admin API key. Also the default for undecorated routes. */
export const AdminOnly = () => audiences('admin');
/** Admin, or an API key with the publisher role: POST /events, /logs and /artifacts, nothing else. */
export const PublisherAuth = () => audiences('admin', 'publisher');
/** A user JWT; `sub` is the user id. */
export const UserAuth = () => audiences('user');
/** Any valid credential (used by the whoami route). */
export const AnyAuth = () => audiences('admin', 'publisher', 'user');
/**
 * No credentials: health, payload links. `security: []` in the document says so explicitly
 * (an operation with no security at all reads as "forgot to say").
 */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), SetMetadata(DECORATORS.API_SECURITY, []));
