import { ApiProperty } from '@nestjs/swagger';
import { NextCursorProperty } from '../../../common/http/pagination.js';
import { SEVERITIES, type Severity } from '../../../events/index.js';
import { LOG_STREAMS, LogRuleEntity, type LogStream } from '../log-rule.entity.js';
import { RULE_SCOPES, type RuleScope } from './create-log-rule.dto.js';
import { formatDuration } from './rule-validators.js';

export class LogRuleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'oom-killed' }) name: string;
  @ApiProperty({ example: 'A container was killed for memory' }) description: string;
  @ApiProperty({ example: 'OOMKilled.*container (?P<container>\\S+)' }) pattern: string;
  @ApiProperty({ enum: LOG_STREAMS, nullable: true, type: String, example: null })
  stream: LogStream | null;
  @ApiProperty({ enum: SEVERITIES, example: 'critical' }) severity: Severity;
  @ApiProperty({ example: 'log.match' }) eventType: string;
  @ApiProperty({ example: '5m' }) cooldown: string;
  @ApiProperty({ enum: RULE_SCOPES, example: 'global' }) scope: RuleScope;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'The source of a `source` rule',
  })
  source: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    example: null,
    description: 'The global rule this one overrides for its source',
  })
  overrides: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ example: '2026-12-01T21:00:00.000Z' }) createdAt: Date;
  @ApiProperty({ example: '2026-12-01T21:00:00.000Z' }) updatedAt: Date;

  static from(r: LogRuleEntity): LogRuleDto {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      pattern: r.pattern,
      stream: r.stream,
      severity: r.severity,
      eventType: r.eventType,
      cooldown: formatDuration(r.cooldownMs),
      scope: r.source === null ? 'global' : 'source',
      source: r.source,
      overrides: r.overrides,
      enabled: r.enabled,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }
}

export class LogRulePageDto {
  @ApiProperty({ type: [LogRuleDto] }) data: LogRuleDto[];
  @NextCursorProperty() nextCursor: string | null;
}

export class OverriddenRuleDto {
  @ApiProperty({ format: 'uuid' }) ruleId: string;
  @ApiProperty({ example: 'disk-full' }) name: string;
  @ApiProperty({ format: 'uuid', description: "The source's rule that replaces (or mutes) it" })
  by: string;
  @ApiProperty({ description: 'false: the override is disabled, so the global rule is muted here' })
  replaced: boolean;
}

export class EffectiveRulesDto {
  @ApiProperty({ example: 'nas-01' }) source: string;
  @ApiProperty({
    type: [LogRuleDto],
    description: "What scans this source's lines: global rules not overridden, then its own",
  })
  rules: LogRuleDto[];
  @ApiProperty({ type: [OverriddenRuleDto], description: 'Global rules this source overrides' })
  overridden: OverriddenRuleDto[];
}
