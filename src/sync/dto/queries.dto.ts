import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Min } from 'class-validator';
import { MAX_CLIENT_ID_LENGTH } from '../client-id-header.js';
import { TABLE_PATTERN } from './change.dto.js';
import { EXAMPLE_CURSOR } from '../cursor.js';

/** limit: default and cap 1,000 (a bigger value is capped, as the protocol says). */
const Limit = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Math.min(Number(value), 1000) : value,
  );

export class PullQueryDto {
  @ApiProperty({ description: 'The table to read changes of', example: 'cards' })
  @IsString()
  @Matches(TABLE_PATTERN, { message: 'must match [a-z][a-z0-9_]{0,62}' })
  collection: string;

  @ApiPropertyOptional({
    example: EXAMPLE_CURSOR,
    description:
      'Cursor (syncedUntil) from an earlier answer, or an RFC 3339 date-time (mana-sync’s cursors), read as a position at or before it. The example only shows the shape: a cursor this server did not issue is answered 410 { reset: true }',
  })
  @IsOptional()
  @IsString()
  since?: string;

  @ApiPropertyOptional({
    description: 'Changes per answer: 1 to 1000 (default 1000; more is capped)',
    minimum: 1,
    maximum: 1000,
    default: 1000,
  })
  @IsOptional()
  @Limit()
  @IsInt()
  @Min(1)
  limit?: number;
}

export class SnapshotQueryDto extends PullQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the records of this space' })
  @IsOptional()
  @IsUUID()
  spaceId?: string;
}

export class StreamQueryDto {
  @ApiPropertyOptional({
    example: 'cards,lists',
    description: 'Comma-separated tables; absent or empty: every table',
  })
  @IsOptional()
  @IsString()
  @Matches(/^([a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62}){0,49})?$/, {
    message: 'must be 1 to 50 comma-separated table names, or empty for every table',
  })
  collections?: string;

  @ApiPropertyOptional({
    description:
      'Cursor, or an RFC 3339 date-time (mana-sync’s cursors): changes from a position at or before it. Last-Event-ID wins over it',
  })
  @IsOptional()
  @IsString()
  since?: string;

  @ApiPropertyOptional({ description: 'Leave out this client’s own changes (or X-Client-Id)' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_CLIENT_ID_LENGTH)
  clientId?: string;
}
