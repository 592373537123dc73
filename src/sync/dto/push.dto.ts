import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { FreeFormJson, jsonArray } from '../../common/http/free-form-json.js';
import { MAX_CLIENT_ID_LENGTH } from '../client-id-header.js';
import { ChangeDto } from './change.dto.js';
import { EXAMPLE_CURSOR } from '../cursor.js';

/**
 * What Swagger UI's "Try it out" sends: a first push any user may make (a device id, no
 * cursor, a private record). Built from the property examples instead, the body would carry the example cursor,
 * which this server never issued (410).
 */
export const PUSH_EXAMPLES = {
  insert: {
    summary: 'A first push: one new private record',
    value: {
      clientId: 'phone-1',
      changes: [
        {
          eventId: '5b0c7a4e-1f2d-4c3b-8a9e-0d1c2b3a4f5e',
          table: 'cards',
          id: 'c1',
          op: 'insert',
          data: { title: 'Buy milk', done: false },
          at: '2026-12-01T09:30:00.000Z',
        },
      ],
    },
  },
};

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
