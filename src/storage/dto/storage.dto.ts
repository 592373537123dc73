import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LastPruneDto {
  @ApiProperty({ example: '2025-01-05T10:20:00.000Z', format: 'date-time' }) at: Date;
  @ApiProperty({ example: 5000, description: 'Rows that run removed' }) rowsRemoved: number;
  @ApiProperty({
    example: 1,
    description:
      'Whole partitions that run dropped (partitioned logs); their rows are in rowsRemoved (counted, or the planner estimate for a partition of a million rows or more)',
  })
  partitionsRemoved: number;
  @ApiProperty({ example: 120, description: 'Time spent deleting, in ms' }) durationMs: number;
  @ApiProperty({
    example: true,
    description:
      'false: the run spent its budget (STORAGE_PRUNE_BUDGET) before the table was caught up',
  })
  caughtUp: boolean;
  @ApiProperty({ example: 1250000, description: 'Rows removed by every run so far' })
  totalRemoved: number;
}

export class TableStorageDto {
  @ApiProperty({ example: 'events' }) table: string;
  @ApiProperty({
    example: 1204330,
    description: 'Planner estimate (pg_class.reltuples; summed over partitions)',
  })
  estimatedRows: number;
  @ApiProperty({
    example: 734003200,
    description: 'Heap, indexes and TOAST (pg_total_relation_size; summed over partitions)',
  })
  totalBytes: number;
  @ApiPropertyOptional({
    example: 604800,
    nullable: true,
    type: Number,
    description: 'Age of the oldest row the retention applies to; null when there is none',
  })
  oldestRowAgeSeconds: number | null;
  @ApiPropertyOptional({
    example: 10,
    nullable: true,
    type: Number,
    description:
      'Partitions of a partitioned log (by time; DEFAULT included); null for a table that is not partitioned',
  })
  partitions: number | null;
  @ApiProperty({ example: 'EVENTS_RETENTION', description: 'The setting of its retention' })
  setting: string;
  @ApiProperty({ example: 604800, description: 'The retention in seconds' })
  retentionSeconds: number;
  @ApiProperty({
    example: 'storage.maintenance',
    description: 'The schedule (job queue) that prunes it',
  })
  prunedBy: string;
  @ApiPropertyOptional({
    type: LastPruneDto,
    nullable: true,
    description: 'The last run of storage.maintenance for this table; null before the first',
  })
  lastPrune: LastPruneDto | null;
}

export class StorageDto {
  @ApiProperty({ type: [TableStorageDto] }) tables: TableStorageDto[];
}
