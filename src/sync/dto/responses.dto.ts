import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXAMPLE_CURSOR } from '../cursor.js';

export class WireChangeDto {
  @ApiProperty({ example: '5b0c7a4e-1f2d-4c3b-8a9e-0d1c2b3a4f5e' }) eventId: string;
  @ApiProperty({ example: 'notes' }) table: string;
  @ApiProperty({ example: 'note-1' }) id: string;
  @ApiProperty({ enum: ['insert', 'update', 'delete'] }) op: string;
  @ApiPropertyOptional({
    example: { title: 'Buy milk', done: false },
    type: 'object',
    additionalProperties: true,
  })
  data?: Record<string, unknown>;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
  @ApiPropertyOptional({
    example: { done: { value: true, at: '2026-12-01T09:30:00.000Z' } },
    type: 'object',
    additionalProperties: true,
  })
  fields?: Record<string, { value: unknown; at: string }>;
  @ApiPropertyOptional({ format: 'date-time' }) deletedAt?: string;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) spaceId: string | null;
  @ApiProperty({ example: 1 }) schemaVersion: number;
  @ApiPropertyOptional({
    description: 'Absent when the change had none (null on changes recorded before that rule)',
    oneOf: [
      { type: 'string', nullable: true },
      { type: 'object', additionalProperties: true },
    ],
    example: 'alice',
  })
  actor: string | Record<string, unknown> | null;
  @ApiPropertyOptional({
    example: 'mobile',
    nullable: true,
    type: String,
    description: 'Absent when the change had none (null on changes recorded before that rule)',
  })
  origin: string | null;
  @ApiProperty({ example: 'phone-1' }) clientId: string;
  @ApiProperty({ example: 'alice' }) userId: string;
}

export class ConflictDto {
  @ApiProperty({ example: '5b0c7a4e-1f2d-4c3b-8a9e-0d1c2b3a4f5e' }) eventId: string;
  @ApiProperty({ example: 'notes' }) table: string;
  @ApiProperty({ example: 'note-1' }) id: string;
  @ApiPropertyOptional({ example: 'done', nullable: true, type: String }) field: string | null;
  @ApiProperty({ enum: ['older', 'deleted'] }) reason: string;
  @ApiPropertyOptional({
    description: 'The value that won: any JSON value',
    oneOf: [
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'object' },
      { type: 'array', items: {} },
    ],
    example: false,
  })
  value?: unknown;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
}

export class ClampDto {
  @ApiProperty({ example: '5b0c7a4e-1f2d-4c3b-8a9e-0d1c2b3a4f5e' }) eventId: string;
  @ApiPropertyOptional({ example: 'done', nullable: true, type: String }) field: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ format: 'date-time' }) clampedTo: string;
}

export class ResyncDto {
  @ApiProperty({ format: 'uuid' }) spaceId: string;
  @ApiProperty({ enum: ['joined', 'removed'] }) reason: 'joined' | 'removed';
}

export class PushResponseDto {
  @ApiProperty({ type: [WireChangeDto] }) serverChanges: WireChangeDto[];
  @ApiProperty({ type: [ConflictDto] }) conflicts: ConflictDto[];
  @ApiProperty({ type: [ClampDto] }) clamped: ClampDto[];
  @ApiProperty({ type: [ResyncDto] }) resync: ResyncDto[];
  @ApiProperty({ example: EXAMPLE_CURSOR }) syncedUntil: string;
  @ApiProperty() hasMore: boolean;
}

export class PullResponseDto {
  @ApiProperty({ type: [WireChangeDto] }) changes: WireChangeDto[];
  @ApiPropertyOptional({
    type: [WireChangeDto],
    description: 'The same list, when the app’s `manaSyncPull` setting is on (mana-sync’s name)',
  })
  serverChanges?: WireChangeDto[];
  @ApiPropertyOptional({
    type: [ConflictDto],
    description: 'Always empty, when the app’s `manaSyncPull` setting is on (as mana-sync)',
  })
  conflicts?: ConflictDto[];
  @ApiProperty({ type: [ResyncDto] }) resync: ResyncDto[];
  @ApiProperty({ example: EXAMPLE_CURSOR }) syncedUntil: string;
  @ApiProperty() hasMore: boolean;
}

export class SnapshotRecordDto {
  @ApiProperty({ example: 'notes' }) table: string;
  @ApiProperty({ example: 'note-1' }) id: string;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) spaceId: string | null;
  @ApiProperty({ example: 'alice' }) ownerId: string;
  @ApiProperty({
    example: { title: { value: 'Buy milk', at: '2026-12-01T09:30:00.000Z' } },
    type: 'object',
    additionalProperties: true,
  })
  fields: Record<string, unknown>;
  @ApiPropertyOptional({ example: '2026-12-01T09:00:00.000Z', nullable: true, type: String })
  insertedAt: string | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) deletedAt: string | null;
  @ApiProperty() deleted: boolean;
}

export class SnapshotResponseDto {
  @ApiProperty({ type: [SnapshotRecordDto] }) records: SnapshotRecordDto[];
  @ApiProperty() hasMore: boolean;
  @ApiPropertyOptional({
    example: null,
    nullable: true,
    type: String,
    description: 'Page token for `since`',
  })
  next: string | null;
  @ApiProperty({
    example: EXAMPLE_CURSOR,
    description: 'Pull or stream from here once every page is loaded',
  })
  syncedUntil: string;
}
