import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsInt64Id, IsTimestamp } from '../../common/http/ids-and-times.js';
import { PageQueryDto } from '../../common/http/pagination.js';
import { EVENT_TYPE_FILTER_PATTERN } from '../event-type-filter.js';
import { MAX_EVENT_TYPE_LENGTH } from '../event.types.js';

export class ListEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'card.*',
    description:
      "Event type filter, the syntax of webhook endpoints' eventTypes: an exact type (`card.created`), a prefix (`card.*` matches card.created and card.deleted.soft, not cards.x) or `*` (every type)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_FILTER_PATTERN, {
    message: 'must be an event type (card.created), a prefix (card.*) or *',
  })
  type?: string;

  @ApiPropertyOptional({
    description: 'Only events from this source (exact match)',
  })
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
