import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SEVERITIES } from '../event.types.js';
import type { HubEvent, Severity } from '../event.types.js';

export class EventDto {
  @ApiProperty({ example: '1042', description: 'int64 as a string' }) id: string;
  @ApiProperty({ example: 'card.created' }) type: string;
  @ApiProperty({ example: 'billing' }) source: string;
  @ApiPropertyOptional({ example: 'card/42', nullable: true, type: String }) subject: string | null;
  @ApiProperty({
    example: { cardId: 42, title: 'Ship it' },
    type: 'object',
    additionalProperties: true,
  })
  data: Record<string, unknown>;
  @ApiProperty({ enum: SEVERITIES }) severity: Severity;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) origin: string | null;
  @ApiProperty() occurredAt: Date;
  @ApiProperty() createdAt: Date;

  static from(e: HubEvent): EventDto {
    return {
      id: e.id,
      type: e.type,
      source: e.source,
      subject: e.subject,
      data: e.data,
      severity: e.severity,
      origin: e.origin,
      occurredAt: e.occurredAt,
      createdAt: e.createdAt,
    };
  }
}

export class EventPageDto {
  @ApiProperty({ type: [EventDto] }) data: EventDto[];
  @ApiPropertyOptional({
    example: 'eyJ2IjoxLCJiZWZvcmUiOiIxMDQyIn0',
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next (older) page',
  })
  nextCursor: string | null;
}
