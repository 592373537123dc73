import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination.js';

export class ListLogsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'card-17', description: 'Only calls made for this card' })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  cardId?: string;

  @ApiPropertyOptional({
    enum: ['ok', 'error'],
    description: '`ok`: 2xx answers; `error`: failed calls and faults no call could fix',
  })
  @IsOptional()
  @IsIn(['ok', 'error'])
  status?: 'ok' | 'error';

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'Only rows at or after this time (ISO 8601)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}
