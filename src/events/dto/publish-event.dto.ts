import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { EVENT_TYPE_PATTERN, SEVERITIES } from '../event.types.js';
import type { Severity } from '../event.types.js';

export class PublishEventDto {
  @ApiProperty({ example: 'card.created', description: 'Dotted lowercase name', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  @Matches(EVENT_TYPE_PATTERN, { message: 'must be a dotted lowercase name such as card.created' })
  type: string;

  @ApiProperty({ example: 'billing-service', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  source: string;

  @ApiPropertyOptional({ example: 'card_123', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { cardId: 'card_123' },
  })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'info' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Defaults to the time the server accepted it',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;

  @ApiPropertyOptional({
    example: 'crm',
    description: 'Who caused the event (loop prevention)',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  origin?: string;
}

export class PublishResultDto {
  @ApiProperty({
    type: [String],
    example: ['1042'],
    description: 'Event ids (int64 as strings), in request order',
  })
  ids: string[];
}
