import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { ChangeDto } from './change.dto.js';

export class PushDto {
  @ApiPropertyOptional({ description: 'The device; the X-Client-Id header wins over it' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  clientId?: string;

  @ApiPropertyOptional({ description: 'Cursor (syncedUntil) from an earlier answer' })
  @IsOptional()
  @IsString()
  since?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  schemaVersion?: number;

  /** Checked item by item in validateChanges (not class-validator: see there why). */
  @ApiProperty({ type: [ChangeDto], maxItems: 5000 })
  @IsArray()
  changes: ChangeDto[];
}
