import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, Matches } from 'class-validator';
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
}

export class AppSettingsResponseDto extends AppSettingsDto {
  @ApiProperty({ example: 'notes' }) appId: string;
}
