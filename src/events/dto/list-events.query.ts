import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination.js';

export class ListEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'card.',
    description: 'Type prefix (`card.` matches card.created, card.deleted)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;

  @ApiPropertyOptional({ description: 'Only events with a greater id' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'must be an event id' })
  sinceId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only events that occurred at or after this time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}
