import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ConsumerDto {
  @ApiProperty({ example: 'webhooks.fan-out' }) name: string;
  @ApiProperty({ description: 'Whether this instance has a handler for it' }) registered: boolean;
  @ApiProperty({ example: '1042', description: 'Id of the last event the consumer has passed' })
  cursorEventId: string;
  @ApiProperty({ example: 3, description: 'Events in the log after the cursor' }) lag: number;
  @ApiProperty({ example: 5000 }) processedCount: number;
  @ApiProperty({ example: 0, description: 'Events recorded as poison and skipped' })
  poisonCount: number;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) failingEventId:
    string | null;
  @ApiProperty({ example: 0 }) attempts: number;
  @ApiPropertyOptional({ nullable: true, type: Date }) retryAt: Date | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastErrorAt: Date | null;
  @ApiProperty() updatedAt: Date;
  @ApiPropertyOptional({
    nullable: true,
    type: Date,
    example: '2025-01-05T10:20:00.000Z',
    description:
      'When the oldest event this consumer has not passed was logged; null when caught up. ' +
      'The bus log is kept from there on, whatever EVENTS_RETENTION says: a stopped consumer holds it.',
  })
  holdsLogSince: Date | null;
}

export class ConsumerFailureDto {
  @ApiProperty({ example: '7' }) id: string;
  @ApiProperty({ example: '1042', description: 'The event that was skipped' }) eventId: string;
  @ApiProperty({ example: 5 }) attempts: number;
  @ApiProperty({ example: 'TypeError: data.cardId must be a number' }) error: string;
  @ApiProperty() createdAt: Date;
}
