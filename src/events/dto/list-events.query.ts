import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsInt64Id, IsTimestamp } from '../../common/http/ids-and-times.js';
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
  @IsInt64Id()
  sinceId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only events that occurred at or after this time',
  })
  @IsOptional()
  @IsTimestamp()
  since?: string;
}
