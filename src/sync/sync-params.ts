import { ApiParam } from '@nestjs/swagger';

/** The path parameters of the sync routes, described once for the user and admin routes. */
export const AppIdParam = () =>
  ApiParam({
    name: 'appId',
    description: 'Your app: [a-z0-9][a-z0-9_-]{0,62}, not "apps"; each app syncs on its own',
    example: 'notes',
  });

export const SpaceIdParam = () =>
  ApiParam({
    name: 'spaceId',
    format: 'uuid',
    description: 'The space id (from its create answer)',
  });

export const MemberIdParam = () =>
  ApiParam({ name: 'userId', description: 'The member: a user id (JWT `sub`)', example: 'bob' });
