import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
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
import { MAX_EVENT_TYPE_LENGTH, EVENT_TYPE_FILTER_PATTERN } from '../../../events/index.js';
import { FreeFormJson, jsonObject } from '../../../common/http/free-form-json.js';
import { IsStaticHeaders } from '../../../common/outbound/static-headers.validator.js';
import { BodyShapeProperty } from '../../payloads/body-shape.dto.js';
import type { BodyShape } from '../../payloads/body-shape.js';
import { SignatureDto, SignatureProperty } from './endpoint-signature.dto.js';

export class CreateEndpointDto {
  @ApiProperty({
    example: 'https://example.com/webhooks',
    description:
      'http(s), no credentials; must resolve to a public address, or one approved by OUTBOUND_ALLOW_HOSTS (read at start-up)',
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ example: 'Billing receiver', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: MAX_EVENT_TYPE_LENGTH },
    example: ['card.*', 'order.paid'],
    description: 'Exact types or prefixes (`card.*`); empty means every event',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @MaxLength(MAX_EVENT_TYPE_LENGTH, { each: true })
  @Matches(EVENT_TYPE_FILTER_PATTERN, {
    each: true,
    message: 'each entry must be an event type (card.created), a prefix (card.*) or *',
  })
  eventTypes?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'X-Team': 'billing' },
    description: 'Static headers sent with every request (max 20, 8 KiB)',
  })
  @IsOptional()
  @IsStaticHeaders()
  headers?: Record<string, string>;

  @SignatureProperty(
    'How requests are signed: Standard Webhooks (default) or a GitHub-style hex HMAC of the body',
    'x-hub-signature-256',
  )
  signature?: SignatureDto;

  @BodyShapeProperty()
  body?: BodyShape;

  @ApiPropertyOptional({
    example: 10,
    minimum: 1,
    maximum: 10000,
    description: 'Requests per second to this endpoint (per instance)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  rateLimitPerSecond?: number;

  @ApiPropertyOptional({
    example: { team: 'billing' },
    type: 'object',
    additionalProperties: true,
    description: 'Free-form, at most 8 KiB',
  })
  @FreeFormJson(jsonObject(8192))
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'whsec_ + base64 of 24 to 64 bytes; generated when omitted',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'must be whsec_ followed by base64' })
  secret?: string;
}
