import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsInt64Id, IsTimestamp } from '../../../common/http/ids-and-times.js';
import { PageQueryDto } from '../../../common/http/pagination.js';
import { EVENT_TYPE_PATTERN, MAX_EVENT_TYPE_LENGTH } from '../../../events/index.js';

export class ListEndpointsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only enabled (true) or disabled (false) endpoints',
    type: Boolean,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  enabled?: boolean;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The new secret; generated when omitted',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'must be whsec_ followed by base64' })
  secret?: string;

  @ApiPropertyOptional({
    default: 86400,
    minimum: 0,
    maximum: 604800,
    description: 'How long the old secret keeps signing',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  graceSeconds?: number;
}

export class RecoverDto {
  @ApiProperty({
    example: '2026-12-01T00:00:00Z',
    format: 'date-time',
    description: 'Requeue failed deliveries created at or after this time',
  })
  @IsTimestamp()
  since: string;
}

export class ReplayDto {
  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    format: 'date-time',
    description: 'Past events that occurred at or after this time',
  })
  @IsOptional()
  @IsTimestamp()
  since?: string;

  @ApiPropertyOptional({
    example: ['1042', '1043'],
    type: [String],
    description: 'Or these event ids',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsInt64Id({ each: true })
  eventIds?: string[];
}

export class TestEndpointDto {
  @ApiPropertyOptional({
    default: 'webhook.test',
    example: 'card.created',
    maxLength: MAX_EVENT_TYPE_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'must be a dotted lowercase event type' })
  eventType?: string;
}
