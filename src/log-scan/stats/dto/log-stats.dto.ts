import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DropCountsDto } from '../../ingest/dto/ingest-result.dto.js';

export class HitCountsDto {
  @ApiProperty({ example: 42, description: 'Rule matches' }) hits: number;
  @ApiProperty({ example: 30, description: 'Matches that became events' }) published: number;
  @ApiProperty({ type: DropCountsDto, description: 'Matches dropped, by reason' })
  dropped: DropCountsDto;
}

export class SourceStatsDto extends HitCountsDto {
  @ApiProperty({ example: 'nas-01' }) source: string;
  @ApiProperty({ example: 120000 }) linesIn: number;
  @ApiProperty({ example: 2, description: 'Lines cut to 16 KiB' }) linesTruncated: number;
  @ApiProperty({ example: '2026-12-01T21:14:03.120Z' }) lastSeenAt: Date;
}

export class RuleStatsDto extends HitCountsDto {
  @ApiProperty({ format: 'uuid' }) ruleId: string;
  @ApiProperty({ example: 'oom-killed' }) name: string;
  @ApiProperty({ description: 'The rule was deleted; its counts stay in the totals' })
  deleted: boolean;
  @ApiPropertyOptional({ nullable: true, type: Date, example: '2026-12-01T21:14:03.120Z' })
  lastHitAt: Date | null;
}

export class FailingRuleDto {
  @ApiProperty({ format: 'uuid' }) ruleId: string;
  @ApiProperty({ example: 'legacy-lookbehind' }) name: string;
  @ApiProperty({ example: '(?<=user )\\w+' }) pattern: string;
  @ApiProperty({ example: 'invalid or unsupported Perl syntax: `(?<`' }) reason: string;
}

export class LogStatsDto extends HitCountsDto {
  @ApiProperty({ example: 120000, description: 'Lines accepted, every source' }) linesIn: number;
  @ApiProperty({ example: 2 }) linesTruncated: number;
  @ApiProperty({
    type: [SourceStatsDto],
    description: 'Per source, most recently seen first (up to 500)',
  })
  sources: SourceStatsDto[];
  @ApiProperty({
    type: [RuleStatsDto],
    description: 'Per rule (summed over sources), most hits first',
  })
  rules: RuleStatsDto[];
  @ApiProperty({
    type: [FailingRuleDto],
    description:
      'Saved rules the regex engine refuses now (skipped while scanning); normally empty',
  })
  failingRules: FailingRuleDto[];
}
