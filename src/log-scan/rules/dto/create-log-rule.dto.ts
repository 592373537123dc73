import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { MAX_PATTERN_LENGTH } from '../../../common/regex/linear-regex.js';
import {
  EVENT_TYPE_PATTERN,
  MAX_EVENT_TYPE_LENGTH,
  SEVERITIES,
  type Severity,
} from '../../../events/index.js';
import { MAX_SOURCE_LENGTH } from '../../ingest/log-batch.js';
import { LOG_STREAMS, type LogStream } from '../log-rule.entity.js';
import { IsCooldown, IsLinearPattern } from './rule-validators.js';

export const RULE_SCOPES = ['global', 'source'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

/** The fields a rule keeps for life: its scope. Everything else may change (see PATCH). */
export class LogRuleFieldsDto {
  @ApiProperty({
    example: 'oom-killed',
    maxLength: 100,
    description: "Unique among the global rules, or among one source's rules",
  })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ example: 'A container was killed for memory', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty({
    example: 'OOMKilled.*container (?P<container>\\S+)',
    maxLength: MAX_PATTERN_LENGTH,
    description:
      'RE2 syntax (linear time: no backreferences or lookarounds), searched anywhere in the line; named groups `(?P<name>...)` become `captures`',
  })
  @IsLinearPattern()
  pattern: string;

  @ApiPropertyOptional({
    enum: LOG_STREAMS,
    nullable: true,
    description: 'Only lines of this stream; null or absent: every line',
  })
  @IsOptional()
  @IsIn(LOG_STREAMS)
  stream?: LogStream | null;

  @ApiPropertyOptional({ enum: SEVERITIES, default: 'warning' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({
    example: 'log.match',
    default: 'log.match',
    maxLength: MAX_EVENT_TYPE_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'must be a dotted lowercase name such as log.match' })
  eventType?: string;

  @ApiPropertyOptional({
    example: '5m',
    default: '0',
    description:
      'After a hit publishes, further hits of this rule from the same source are dropped (and counted) for this long: `0`, `30s`, `5m`, `2h`, at most `7d`',
  })
  @IsOptional()
  @IsString()
  @IsCooldown()
  cooldown?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateLogRuleDto extends LogRuleFieldsDto {
  @ApiPropertyOptional({
    enum: RULE_SCOPES,
    default: 'global',
    description: '`global`: every source; `source`: only the source named in `source`',
  })
  @IsOptional()
  @IsIn(RULE_SCOPES)
  scope?: RuleScope;

  @ApiPropertyOptional({
    example: 'nas-01',
    maxLength: MAX_SOURCE_LENGTH,
    description: 'Required with scope `source` (and implies it); not allowed with `global`',
  })
  @ValidateIf((o: CreateLogRuleDto) => o.source !== undefined || o.scope === 'source')
  @IsString()
  @Length(1, MAX_SOURCE_LENGTH)
  source?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A global rule this source rule replaces for its source (disabled, it mutes that rule there); removed with the global rule',
  })
  @IsOptional()
  @IsUUID()
  overrides?: string;
}
