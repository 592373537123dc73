import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiKeyEntity, ApiKeyRole } from '../api-key.entity.js';

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'billing-service' }) name: string;
  @ApiProperty({ enum: ['admin', 'publisher'] }) role: ApiKeyRole;
  @ApiProperty({ example: 'ihk_3f9a0c1b2d4e', description: 'The non-secret start of the key' })
  prefix: string;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastUsedAt: Date | null;

  static from(e: ApiKeyEntity): ApiKeyDto {
    return {
      id: e.id,
      name: e.name,
      role: e.role,
      prefix: `ihk_${e.prefix}`,
      createdAt: e.createdAt,
      lastUsedAt: e.lastUsedAt,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'ihk_3f9a0c1b2d4e5f60718293a4b5c6d7e8f9',
    description: 'The key itself. Shown once; only a hash is stored.',
  })
  key: string;
}
