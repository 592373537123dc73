import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsTimestamp } from '../../common/http/ids-and-times.js';
import { PageQueryDto } from '../../common/http/pagination.js';
import { MATCH_OPS } from '../matching/trigger-filter.js';
import type { MatchOp } from '../matching/trigger-filter.js';

/** Trigger matchers' labels, plus `trigger` (the trigger's name) to silence one trigger. */
export const SILENCE_LABEL_PATTERN =
  /^(trigger|type|source|subject|origin|severity|data(\.[A-Za-z0-9_-]{1,100}){1,10})$/;

export class SilenceMatcherDto {
  @ApiProperty({
    example: 'source',
    description: 'trigger (its name), type, source, subject, origin, severity or data.<path>',
  })
  @IsString()
  @Matches(SILENCE_LABEL_PATTERN, {
    message: 'must be trigger, type, source, subject, origin, severity or data.<path>',
  })
  label: string;

  @ApiProperty({ enum: MATCH_OPS, example: '=' })
  @IsIn(MATCH_OPS)
  op: MatchOp;

  @ApiProperty({ example: 'backup' })
  @IsString()
  @MaxLength(2000)
  value: string;
}

export class CreateSilenceDto {
  @ApiProperty({
    type: [SilenceMatcherDto],
    example: [{ label: 'source', op: '=', value: 'backup' }],
    description: 'ANDed; at least one',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SilenceMatcherDto)
  matchers: SilenceMatcherDto[];

  @ApiPropertyOptional({
    example: '2026-12-01T22:00:00Z',
    description: 'ISO 8601 with an offset; default now',
  })
  @IsOptional()
  @IsTimestamp()
  startsAt?: string;

  @ApiProperty({ example: '2026-12-02T06:00:00Z', description: 'ISO 8601 with an offset' })
  @IsTimestamp()
  endsAt: string;

  @ApiProperty({ example: 'dana' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  createdBy: string;

  @ApiPropertyOptional({ example: 'NAS maintenance tonight' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}

export class ListSilencesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ['active', 'pending', 'expired'],
    description: 'Only silences in effect now, starting later, or over',
  })
  @IsOptional()
  @IsIn(['active', 'pending', 'expired'])
  state?: 'active' | 'pending' | 'expired';
}

export class SilenceDto {
  @ApiProperty({ example: '0b7d4c1e-2f3a-4e5b-8c9d-0e1f2a3b4c5d' }) id: string;
  @ApiProperty({
    type: [SilenceMatcherDto],
    example: [{ label: 'source', op: '=', value: 'backup' }],
  })
  matchers: SilenceMatcherDto[];
  @ApiProperty({ example: '2026-12-01T22:00:00.000Z' }) startsAt: string;
  @ApiProperty({ example: '2026-12-02T06:00:00.000Z' }) endsAt: string;
  @ApiProperty({ example: 'dana' }) createdBy: string;
  @ApiProperty({ example: 'NAS maintenance tonight' }) comment: string;
  @ApiProperty({ enum: ['active', 'pending', 'expired'], example: 'active' }) state: string;
  @ApiProperty({ example: '2026-12-01T21:55:00.000Z' }) createdAt: string;
}

export class SilencePageDto {
  @ApiProperty({ type: [SilenceDto] }) data: SilenceDto[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}
