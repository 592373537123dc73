import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, Matches } from 'class-validator';
import { TABLE_PATTERN } from './change.dto.js';

export class AppSettingsDto {
  @ApiProperty({
    type: [String],
    example: ['cards'],
    description: 'Tables whose accepted changes publish sync.<table>.<op> on the event bus',
  })
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(TABLE_PATTERN, { each: true, message: 'each must match [a-z][a-z0-9_]{0,62}' })
  publishTables: string[];

  @ApiPropertyOptional({
    default: false,
    example: false,
    description:
      'Pull answers also carry mana-sync’s `serverChanges` (the same list as `changes`, so sent twice) and `conflicts: []`: a mana-sync client pulls unchanged',
  })
  @IsOptional()
  @IsBoolean()
  manaSyncPull?: boolean;
}

export class AppSettingsResponseDto {
  @ApiProperty({ example: 'notes' }) appId: string;
  @ApiProperty({ type: [String], example: ['cards'] }) publishTables: string[];
  @ApiProperty({ example: false }) manaSyncPull: boolean;
}
