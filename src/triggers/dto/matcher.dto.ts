import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SEVERITIES, type Severity } from '../../events/index.js';
import { LABEL_PATTERN, LABEL_RULE } from '../matching/labels.js';
import { MATCH_OPS } from '../matching/trigger-filter.js';
import type { MatchOp } from '../matching/trigger-filter.js';

/** One Alertmanager-style matcher; a trigger's matchers are ANDed. */
export class MatcherDto {
  @ApiProperty({
    example: 'data.message',
    description: 'type, source, subject, origin, severity, or data.<dotted path into the data>',
  })
  @IsString()
  @Matches(LABEL_PATTERN, { message: LABEL_RULE })
  label: string;

  @ApiProperty({
    enum: MATCH_OPS,
    example: '=~',
    description: '= and != compare text; =~ and !~ match a whole-value RE2 regex (anchored)',
  })
  @IsIn(MATCH_OPS)
  op: MatchOp;

  @ApiProperty({ example: 'disk .* full', maxLength: 2000 })
  @IsString()
  @MaxLength(2000)
  value: string;
}

/**
 * The seed's shorthands; ANDed with the matchers. A blank one (`""`, or a list of no entries)
 * is the same as an absent one and is not stored: it matches every event, as in the seed.
 */
export class FilterShorthandsDto {
  @ApiPropertyOptional({
    example: 'error, critical',
    description:
      'Comma-separated severities (spaces around entries ignored); blank ("") is the same as leaving it out',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  severity?: string;

  @ApiPropertyOptional({
    example: 'backup, nas',
    description: 'Comma-separated sources; blank ("") is the same as leaving it out',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  source?: string;

  @ApiPropertyOptional({
    example: 'disk .* full',
    description:
      'RE2 regex searched anywhere in data.message (not anchored); "" is the same as leaving it out',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  messageRegex?: string;

  @ApiPropertyOptional({
    enum: SEVERITIES,
    example: 'warning',
    description:
      'This severity or above, in the bus order debug < info < notice < warning < error < critical; "" is the same as leaving it out',
  })
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsIn(SEVERITIES)
  severityAtLeast?: Severity;
}
