import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, NextCursorProperty } from '../../common/http/pagination.js';

export const JOB_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Queue names: lowercase, dotted (`calendar.sync`, `storage.maintenance`). */
export const QUEUE_PATTERN = /^[a-z][a-z0-9._-]{0,99}$/;

export class ListJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only jobs of this queue', example: 'storage.maintenance' })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_PATTERN, { message: 'must be a queue name such as calendar.sync' })
  queue?: string;

  @ApiPropertyOptional({
    description: 'Only jobs in this status',
    enum: JOB_STATUSES,
    example: 'failed',
  })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @ApiPropertyOptional({
    description: 'Only jobs of this key (the unit a perKey queue serializes, e.g. one card)',
    example: 'card_123',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  key?: string;
}

export class JobDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'integrations.jira' }) queue: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'card_123',
    description: 'Jobs of one key run in order when the queue is perKey',
  })
  key: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'card_123:update' })
  dedupeKey: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { cardId: 'card_123' } })
  payload: Record<string, unknown>;
  @ApiProperty({ enum: JOB_STATUSES, example: 'pending' }) status: JobStatus;
  @ApiProperty({ example: 1, description: 'Runs started so far' }) attempt: number;
  @ApiProperty({ description: 'When it is (or was) due' }) runAt: Date;
  @ApiPropertyOptional({
    example: 'hub-7f3a',
    nullable: true,
    type: String,
    description: 'Instance holding the lease',
  })
  leaseOwner: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) leaseExpiresAt: Date | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'HTTP 503 from jira' })
  lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'pruned 12 rows' })
  lastSummary: string | null;
  @ApiPropertyOptional({ example: 'req-b7c1a2a4', nullable: true, type: String }) correlationId:
    string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
}

export class JobAttemptDto {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty() startedAt: Date;
  @ApiProperty({ example: 120 }) durationMs: number;
  @ApiProperty({
    example: 'retried',
    description: 'succeeded, retried, failed, rescheduled, released or lease-expired',
  })
  outcome: string;
  @ApiPropertyOptional({
    example: 'HTTP 200 in 84 ms',
    nullable: true,
    type: String,
    description: 'Short, redacted',
  })
  summary: string | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) error: string | null;
  @ApiProperty({ example: 'hub-7f3a', description: 'Instance that ran the attempt' })
  instance: string;
  @ApiProperty({
    description: 'false when the worker had lost its lease and its outcome was not applied',
  })
  applied: boolean;
}

export class JobDetailDto extends JobDto {
  @ApiProperty({ type: [JobAttemptDto], description: 'Oldest first' }) attempts: JobAttemptDto[];
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto] }) data: JobDto[];
  @NextCursorProperty() nextCursor: string | null;
}

export class QueueStatsDto {
  @ApiProperty({ example: 'storage.maintenance' }) queue: string;
  @ApiProperty({ example: 3, description: 'Pending, due now or later' }) pending: number;
  @ApiProperty({ example: 1, description: 'Pending and due now' }) due: number;
  @ApiProperty({ example: 0 }) running: number;
  @ApiProperty({ example: 0, description: 'Failed and kept until retention' }) failed: number;
  @ApiProperty({ example: 0.4, description: 'Seconds the oldest due job has waited' })
  oldestDueAgeSeconds: number;
}

export class JobStatsDto {
  @ApiProperty({
    type: [QueueStatsDto],
    description: 'Every queue with a handler, and any other with jobs',
  })
  queues: QueueStatsDto[];
}
