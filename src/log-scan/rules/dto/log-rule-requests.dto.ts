import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/http/pagination.js';
import { MAX_LINE_BYTES } from '../../ingest/truncate-utf8.js';
import { MAX_SOURCE_LENGTH } from '../../ingest/log-batch.js';
import { RULE_SCOPES, type RuleScope } from './create-log-rule.dto.js';
import { IsLinearPattern } from './rule-validators.js';

export class ListLogRulesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: RULE_SCOPES,
    description: 'Only global rules, or only source rules',
  })
  @IsOptional()
  @IsIn(RULE_SCOPES)
  scope?: RuleScope;

  @ApiPropertyOptional({ example: 'nas-01', description: "Only this source's own rules" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SOURCE_LENGTH)
  source?: string;
}

export class TestLogRuleDto {
  @ApiProperty({
    example: 'disk (?P<device>/dev/\\S+) full',
    description: 'An RE2 pattern, as a rule would hold it',
  })
  @IsLinearPattern()
  pattern: string;

  @ApiProperty({
    example: 'backup: disk /dev/sdb1 full, aborting',
    maxLength: MAX_LINE_BYTES,
  })
  @IsString()
  @MaxLength(MAX_LINE_BYTES)
  sampleLine: string;
}

export class TestLogRuleResultDto {
  @ApiProperty({ example: true }) matched: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { device: '/dev/sdb1' },
    description: 'Named groups that took part in the match; empty when none or no match',
  })
  captures: Record<string, string>;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'disk /dev/sdb1 full',
    description: 'The matched text; null without a match',
  })
  match: string | null;
}
