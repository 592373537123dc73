import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ConsumerDto {
  @ApiProperty({ example: 'webhooks.fan-out' }) name: string;
  @ApiProperty({ description: 'Whether this instance has a handler for it' }) registered: boolean;
  @ApiProperty({ example: '1042', description: 'Id of the last event the consumer has passed' })
  cursorEventId: string;
  @ApiProperty({ description: 'Events in the log after the cursor' }) lag: number;
  @ApiProperty({ example: 5000 }) processedCount: number;
  @ApiProperty({ description: 'Events recorded as poison and skipped' }) poisonCount: number;
  @ApiPropertyOptional({ nullable: true, type: String }) failingEventId: string | null;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ nullable: true, type: Date }) retryAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastErrorAt: Date | null;
  @ApiProperty() updatedAt: Date;
}

export class ConsumerFailureDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The event that was skipped' }) eventId: string;
  @ApiProperty() attempts: number;
  @ApiProperty() error: string;
  @ApiProperty() createdAt: Date;
}
