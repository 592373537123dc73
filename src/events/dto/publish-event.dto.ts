import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsTimestamp } from '../../common/http/ids-and-times.js';
import { FreeFormJson, jsonObject } from '../../common/http/free-form-json.js';
import { EVENT_TYPE_PATTERN, MAX_EVENT_TYPE_LENGTH, SEVERITIES } from '../event.types.js';
import type { Severity } from '../event.types.js';

export class PublishEventDto {
  @ApiProperty({
    example: 'card.created',
    description: 'Dotted lowercase name',
    maxLength: MAX_EVENT_TYPE_LENGTH,
  })
  @IsString()
  @Length(1, MAX_EVENT_TYPE_LENGTH)
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
    description:
      'Free-form. `artifacts: [{"artifactId": "<id from POST /artifacts>"}]` names stored artifacts: each must exist (else 400 naming `data.artifacts[i].artifactId`), and webhook deliveries describe them with their bytes inline or a link.',
    example: { cardId: 'card_123' },
  })
  @FreeFormJson(jsonObject())
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
  @IsTimestamp()
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
