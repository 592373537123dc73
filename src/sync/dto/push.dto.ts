import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { FreeFormJson, jsonArray } from '../../common/http/free-form-json.js';
import { MAX_CLIENT_ID_LENGTH } from '../client-id-header.js';
import { ChangeDto } from './change.dto.js';
import { EXAMPLE_CURSOR } from '../cursor.js';

export class PushDto {
  @ApiPropertyOptional({
    example: 'phone-1',
    description: 'The device; the X-Client-Id header wins over it',
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_CLIENT_ID_LENGTH)
  clientId?: string;

  @ApiPropertyOptional({
    example: EXAMPLE_CURSOR,
    description:
      'Cursor (syncedUntil) from an earlier answer, or an RFC 3339 date-time (mana-sync’s cursors), read as a position at or before it. The example only shows the shape: a cursor this server did not issue is answered 410 { reset: true }',
  })
  @IsOptional()
  @IsString()
  since?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  schemaVersion?: number;

  /** Checked item by item in validateChanges (not class-validator: see there why). */
  @ApiProperty({ type: [ChangeDto], maxItems: 5000 })
  @FreeFormJson(jsonArray)
  changes: ChangeDto[];
}
