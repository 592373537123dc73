import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class WireChangeDto {
  @ApiProperty() eventId: string;
  @ApiProperty() table: string;
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['insert', 'update', 'delete'] }) op: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) data?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) fields?: Record<
    string,
    { value: unknown; at: string }
  >;
  @ApiPropertyOptional({ format: 'date-time' }) deletedAt?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) spaceId: string | null;
  @ApiProperty() schemaVersion: number;
  @ApiPropertyOptional({ nullable: true, type: String }) actor: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) origin: string | null;
  @ApiProperty() clientId: string;
  @ApiProperty() userId: string;
}

export class ConflictDto {
  @ApiProperty() eventId: string;
  @ApiProperty() table: string;
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) field: string | null;
  @ApiProperty({ enum: ['older', 'deleted'] }) reason: string;
  @ApiPropertyOptional({ description: 'The value that won' }) value?: unknown;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
}

export class ClampDto {
  @ApiProperty() eventId: string;
  @ApiPropertyOptional({ nullable: true, type: String }) field: string | null;
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
  @ApiProperty() syncedUntil: string;
  @ApiProperty() hasMore: boolean;
}

export class PullResponseDto {
  @ApiProperty({ type: [WireChangeDto] }) changes: WireChangeDto[];
  @ApiProperty({ type: [ResyncDto] }) resync: ResyncDto[];
  @ApiProperty() syncedUntil: string;
  @ApiProperty() hasMore: boolean;
}

export class SnapshotRecordDto {
  @ApiProperty() table: string;
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) spaceId: string | null;
  @ApiProperty() ownerId: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) fields: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) insertedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) deletedAt: string | null;
  @ApiProperty() deleted: boolean;
}

export class SnapshotResponseDto {
  @ApiProperty({ type: [SnapshotRecordDto] }) records: SnapshotRecordDto[];
  @ApiProperty() hasMore: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Page token for `since`' })
  next: string | null;
  @ApiProperty({ description: 'Pull or stream from here once every page is loaded' })
  syncedUntil: string;
}
