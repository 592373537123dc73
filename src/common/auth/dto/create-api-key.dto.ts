import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import type { ApiKeyRole } from '../api-key.entity.js';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing-service', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({
    enum: ['admin', 'publisher'],
    description:
      'publisher keys may only publish events, log lines and artifacts (POST /events, POST /logs, POST /artifacts)',
  })
  @IsIn(['admin', 'publisher'])
  role: ApiKeyRole;
}
