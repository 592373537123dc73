import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { FreeFormJson, jsonObject } from '../../common/http/free-form-json.js';
import { SEVERITIES, type Severity } from '../../events/index.js';
import { PageQueryDto } from '../../common/http/pagination.js';
import { IsStaticHeaders } from '../../common/outbound/static-headers.validator.js';
import { LEGACY_PLACEHOLDERS, REDACTED } from '../../common/security/redaction.js';
import { SignatureDto, SignatureProperty } from '../../webhooks/index.js';
import { LABEL_PATTERN, LABEL_RULE } from '../matching/labels.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../firing/trigger-payload.js';
import { FilterShorthandsDto, MatcherDto } from './matcher.dto.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A whsec_ secret, or a placeholder that keeps the stored one (REDACTED, or a deprecated
// legacy one: see LEGACY_PLACEHOLDERS).
const SECRET_OR_PLACEHOLDER = new RegExp(
  `^(whsec_[A-Za-z0-9+/]+={0,2}|${[REDACTED, ...LEGACY_PLACEHOLDERS].map(escapeRegExp).join('|')})$`,
);

export const DURATION_PATTERN = /^(0|\d{1,9}(ms|s|m|h|d))$/;

export class WebhookActionDto {
  @ApiProperty({ enum: ['webhook'], example: 'webhook' })
  @IsIn(['webhook'])
  type: 'webhook';

  @ApiProperty({
    example: 'https://alerts.example.com/hooks/hub',
    description:
      'http(s), no credentials; must resolve to a public address, or one approved by OUTBOUND_ALLOW_HOSTS (read at start-up)',
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: `whsec_ + base64 of 24 to 64 bytes; generated when omitted. Reads show ${REDACTED}; sending that back (or omitting it) keeps the stored secret. Deprecated: the old placeholder ${LEGACY_PLACEHOLDERS.join(', ')} is still accepted and keeps it too.`,
  })
  @IsOptional()
  @IsString()
  @Matches(SECRET_OR_PLACEHOLDER, {
    message: `must be whsec_ followed by base64, or ${REDACTED} to keep the stored one`,
  })
  secret?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'x-team': 'ops', authorization: 'Bearer abc123' },
    description:
      'Static headers (max 20, 8 KiB), sealed at rest; credential-like ones read back as [redacted], which a PATCH may send back to keep the value',
  })
  @IsOptional()
  @IsStaticHeaders()
  headers?: Record<string, string>;

  @SignatureProperty(
    'How requests are signed, as for webhook endpoints: Standard Webhooks (default) or `<header>: sha256=<hex HMAC-SHA256 of the raw body>` (the tiny-forge and GitHub scheme). Left out of a PATCH, the stored one is kept',
    'x-hub-signature-256',
  )
  signature?: SignatureDto;
}

export class CreateTriggerDto {
  @ApiProperty({ example: 'backup disk full', description: 'Unique', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ example: 'Page the on-call when a backup runs out of disk' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: [MatcherDto],
    example: [
      { label: 'source', op: '=', value: 'backup' },
      { label: 'data.message', op: '=~', value: 'disk .* full' },
    ],
    description: 'ANDed; none (and no filter) matches every event',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => MatcherDto)
  matchers?: MatcherDto[];

  @ApiPropertyOptional({
    type: FilterShorthandsDto,
    example: { severity: 'error, critical', messageRegex: 'disk .* full' },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FilterShorthandsDto)
  filter?: FilterShorthandsDto;

  @ApiProperty({ type: WebhookActionDto })
  @IsObject()
  @ValidateNested()
  @Type(() => WebhookActionDto)
  action: WebhookActionDto;

  @ApiPropertyOptional({
    enum: PAYLOAD_FORMATS,
    default: 'tiny-forge',
    example: 'tiny-forge',
    description:
      'The body receivers get: `tiny-forge` (default), `{type: "event_trigger", trigger_id, trigger_name, event: {id, type, source, severity, message, subject, data, occurred_at}, timestamp}` as tiny-forge sent it; `hub`, the camelCase body of hub releases before 2026-12 (`triggerId`, `triggerName`, `event.occurredAt`)',
  })
  @IsOptional()
  @IsIn(PAYLOAD_FORMATS, { message: `must be one of: ${PAYLOAD_FORMATS.join(', ')}` })
  payloadFormat?: PayloadFormat;

  @ApiPropertyOptional({
    example: '4h',
    default: '0',
    description:
      'Fire at most once per this long per group (ms, s, m, h, d); 0 fires on every match',
  })
  @IsOptional()
  @IsString()
  @Matches(DURATION_PATTERN, { message: 'must be 0 or a number with ms, s, m, h or d (4h)' })
  repeatInterval?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['source'],
    description: 'Labels whose values form the repeat-interval group (empty: one group)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @Matches(LABEL_PATTERN, { each: true, message: `each entry ${LABEL_RULE}` })
  groupBy?: string[];
}

export class UpdateTriggerDto extends PartialType(CreateTriggerDto) {}

export class ListTriggersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only enabled (true) or disabled (false) triggers' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Only triggers whose name starts with this',
    example: 'backup',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  namePrefix?: string;
}

/** The event a test send carries; every field optional, a sample fills the rest. */
export class TestEventDto {
  @ApiPropertyOptional({ example: 'backup.failed' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  type?: string;

  @ApiPropertyOptional({ example: 'backup' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;

  @ApiPropertyOptional({ example: 'nas-01' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;

  // The type alias reflects as Object: name the enum so the schema says string.
  @ApiPropertyOptional({ enum: SEVERITIES, example: 'error' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { message: 'disk /dev/sda1 full' },
  })
  @FreeFormJson(jsonObject(65536))
  data?: Record<string, unknown>;
}

export class TestSavedTriggerDto {
  @ApiPropertyOptional({ type: TestEventDto, description: 'Defaults to a sample event' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TestEventDto)
  event?: TestEventDto;

  @ApiPropertyOptional({
    type: WebhookActionDto,
    description: `A draft action (unsaved edits) to send with instead; a ${REDACTED} secret and ${REDACTED} header values are replaced by the stored ones`,
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WebhookActionDto)
  action?: WebhookActionDto;
}

export class TestDraftTriggerDto {
  @ApiProperty({ type: CreateTriggerDto, description: 'An unsaved trigger body' })
  @IsObject()
  @ValidateNested()
  @Type(() => CreateTriggerDto)
  trigger: CreateTriggerDto;

  @ApiPropertyOptional({ type: TestEventDto, description: 'Defaults to a sample event' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TestEventDto)
  event?: TestEventDto;
}
