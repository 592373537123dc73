import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsTimestamp } from '../../../common/http/ids-and-times.js';
import { MAX_EVENT_TYPE_LENGTH } from '../../../events/index.js';
import { PageQueryDto, NextCursorProperty } from '../../../common/http/pagination.js';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only deliveries to this endpoint', format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  endpointId?: string;

  @ApiPropertyOptional({
    description: 'Only deliveries in this status (see docs/webhooks.md for what each means)',
    enum: ['pending', 'succeeded', 'failed'],
  })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed'])
  status?: DeliveryStatus;

  @ApiPropertyOptional({
    description: 'Only deliveries of this exact event type',
    example: 'card.created',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EVENT_TYPE_LENGTH)
  eventType?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Created at or after',
  })
  @IsOptional()
  @IsTimestamp()
  since?: string;
}

export class AttemptDto {
  @ApiProperty({ example: '31' }) id: string;
  @ApiProperty({ example: 1 }) attemptNumber: number;
  @ApiProperty() startedAt: Date;
  @ApiProperty({ example: 84 }) durationMs: number;
  @ApiPropertyOptional({ example: 200, nullable: true, type: Number }) statusCode: number | null;
  @ApiProperty({
    example: {
      'x-tenant': '[redacted]',
      authorization: '[redacted]',
      'content-type': 'application/json',
      'user-agent': 'IntegrationHub-Webhooks/0.1',
      'webhook-id': 'msg_2b1f0c9a8d7e4f6a9b3c5d1e2f3a4b5c',
      'webhook-timestamp': '1796565780',
      'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    },
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description:
      "The request's headers as the hub set them; the endpoint's static headers are listed by name " +
      'with the value `[redacted]` (the endpoint shows their current values). Null when nothing ' +
      'was sent, and for attempts made before the hub kept them.',
  })
  requestHeaders: Record<string, string> | null;
  @ApiProperty({
    example: { 'content-type': 'text/plain' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  responseHeaders: Record<string, string>;
  @ApiPropertyOptional({ example: 'ok', nullable: true, type: String, description: 'First 4 KiB' })
  responseBody: string | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) error: string | null;
  @ApiProperty({ example: 'hub-7f3a', description: 'Instance that made the attempt' })
  instanceId: string;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    example: 'msg_2b1f...',
    description: 'The webhook-id header: the same on every attempt',
  })
  webhookId: string;
  @ApiProperty({ format: 'uuid' }) endpointId: string;
  @ApiPropertyOptional({ example: '1042', nullable: true, type: String }) eventId: string | null;
  @ApiProperty({ example: 'card.created' }) eventType: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: DeliveryStatus;
  @ApiProperty({ example: 1 }) attemptCount: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Date,
    description: 'When the next attempt is due; null once the delivery succeeded or failed',
  })
  nextAttemptAt: Date | null;
  @ApiPropertyOptional({ example: 200, nullable: true, type: Number }) lastStatusCode:
    number | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) lastError: string | null;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) completedAt: Date | null;
}

export class DeliveryDetailDto extends DeliveryDto {
  @ApiProperty({
    example: '{"type":"card.created","timestamp":"2026-12-01T09:30:00.000Z","data":{"cardId":42}}',
    description:
      'The body as stored; a `flat` endpoint gets it as `{...data, timestamp}`, and data too large to inline goes as `dataReference`',
  })
  payload: string;
  @ApiProperty({ type: [AttemptDto] }) attempts: AttemptDto[];
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) data: DeliveryDto[];
  @NextCursorProperty() nextCursor: string | null;
}

export class CountDto {
  @ApiProperty({ example: 3 }) count: number;
}

export const REPLAY_SKIP_REASONS = ['not-found', 'type-not-matched', 'already-delivered'] as const;
export type ReplaySkipReason = (typeof REPLAY_SKIP_REASONS)[number];

export class ReplaySkippedDto {
  @ApiProperty({ example: '1042' }) eventId: string;

  @ApiProperty({
    enum: REPLAY_SKIP_REASONS,
    example: 'type-not-matched',
    description:
      '`not-found`: no such event (never published, or removed by retention); ' +
      "`type-not-matched`: the event's type matches none of the endpoint's eventTypes; " +
      '`already-delivered`: the endpoint already has a delivery for it (any status: use the ' +
      "delivery's retry, or recover, to send it again)",
  })
  reason: ReplaySkipReason;
}

export class ReplayResultDto {
  @ApiProperty({ description: 'Deliveries created', example: 1 }) count: number;

  @ApiProperty({
    type: [ReplaySkippedDto],
    description:
      'The requested eventIds that got no delivery, and why, in the order asked; always empty ' +
      'for the `since` form',
    example: [
      { eventId: '1043', reason: 'type-not-matched' },
      { eventId: '999999', reason: 'not-found' },
      { eventId: '1040', reason: 'already-delivered' },
    ],
  })
  skipped: ReplaySkippedDto[];
}

export class EndpointStatsDto {
  @ApiProperty({
    description: 'Deliveries created in the last 24 h, by status',
    example: { pending: 1, succeeded: 40, failed: 2 },
  })
  counts: Record<DeliveryStatus, number>;
  @ApiPropertyOptional({
    example: 0.95,
    nullable: true,
    type: Number,
    description: 'succeeded / (succeeded + failed) over 24 h',
  })
  successRate: number | null;
  @ApiPropertyOptional({
    example: 84,
    nullable: true,
    type: Number,
    description: 'Attempt latency, last 24 h',
  })
  p50Ms: number | null;
  @ApiPropertyOptional({ example: 310, nullable: true, type: Number }) p95Ms: number | null;
  @ApiPropertyOptional({
    example: { at: '2026-12-01T09:12:00.000Z', statusCode: 503, error: null },
    nullable: true,
    type: Object,
    description: 'Most recent failed attempt',
  })
  lastError: { at: Date; statusCode: number | null; error: string | null } | null;
}
