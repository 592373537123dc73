import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsUUID,
  Max,
  Min,
} from 'class-validator';

export const MAX_HOURS = 168;
export const MAX_ENDPOINT_IDS = 100;

const HoursProperty = () =>
  ApiPropertyOptional({
    description: 'The window: the last 1 to 168 hours (default 24)',
    minimum: 1,
    maximum: MAX_HOURS,
    default: 24,
    example: 24,
  });

export class SeriesQueryDto {
  @HoursProperty()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HOURS)
  hours?: number;
}

export class EndpointHealthQueryDto {
  @ApiProperty({
    description: `Endpoint ids, comma-separated: 1 to ${MAX_ENDPOINT_IDS}`,
    type: String,
    example: '3f0c9a52-8d1e-4b7a-9c2f-5e6d7a8b9c0d,0b8e4f5e-6c1d-4a3b-9f1e-2d7c8a9b0c1d',
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value.split(',').map((s) => s.trim())
      : Array.isArray(value)
        ? value.flatMap((v) => String(v).split(',')).map((s) => s.trim())
        : value,
  )
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ENDPOINT_IDS)
  @IsUUID('all', { each: true })
  ids: string[];

  @HoursProperty()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HOURS)
  hours?: number;
}
