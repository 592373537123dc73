import { ApiProperty } from '@nestjs/swagger';
import { NextCursorProperty, PageQueryDto } from '../../common/http/pagination.js';

export class AdminAccountsQueryDto extends PageQueryDto {}

/** A user's account as operators see it: no password, not even redacted. */
export class AdminAccountDto {
  @ApiProperty({ example: 'dana' }) userId: string;
  @ApiProperty({ example: 'https://caldav.fastmail.com/' }) serverUrl: string;
  @ApiProperty({ example: 'dana@example.com' }) username: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://caldav.fastmail.com/dav/principals/user/dana@example.com/',
  })
  principalUrl: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://caldav.fastmail.com/dav/calendars/user/dana@example.com/',
  })
  homeSetUrl: string | null;
  @ApiProperty({ example: 2, description: 'Bindings of this account' }) bindings: number;
  @ApiProperty({ example: 1, description: 'Enabled bindings whose last run failed' })
  failingBindings: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'CalDAV server answered 401',
    description: 'The worst error among its bindings (a stopped run before a failed object)',
  })
  worstError: string | null;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' }) updatedAt: string;
}

export class AdminAccountPageDto {
  @ApiProperty({ type: [AdminAccountDto] }) data: AdminAccountDto[];
  @NextCursorProperty() nextCursor: string | null;
}
