import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';
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

  @ApiProperty({ type: [ChangeDto], maxItems: 5000 })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ChangeDto)
  changes: ChangeDto[];
}
