import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const counts = (description: string, example: number[]) =>
  ApiProperty({ type: [Number], description, example });

export class DeliverySeriesDto {
  @counts('Attempts answered 2xx', [12, 9, 14])
  succeeded: number[];
  @counts('Failed attempts to be retried', [0, 2, 0])
  failed: number[];
  @counts(
    "Failed attempts that were their delivery's last (retries exhausted, or not retried)",
    [0, 0, 1],
  )
  dead: number[];
}

export class OverviewSeriesDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-12-06T14:03:00.000Z',
    description: 'Start of the first bucket',
  })
  from: string;
  @ApiProperty({
    format: 'date-time',
    example: '2026-12-07T14:03:00.000Z',
    description: 'End of the last bucket (exclusive; the last bucket holds now)',
  })
  to: string;
  @ApiProperty({ example: 60, description: '60 for windows up to 24 h, 600 beyond' })
  stepSeconds: number;
  @counts(
    'Start of each bucket, epoch seconds (every other array has this length)',
    [1796565780, 1796565840, 1796565900],
  )
  at: number[];
  @ApiProperty({ type: DeliverySeriesDto, description: 'Webhook attempts per bucket by outcome' })
  deliveries: DeliverySeriesDto;
  @ApiProperty({
    type: 'array',
    items: { type: 'number', nullable: true },
    example: [1, 0.818, null],
    description: 'succeeded / all attempts, 0 to 1; null when there was no attempt',
  })
  successRate: (number | null)[];
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', nullable: true },
    example: [412, 380, null],
    description:
      'p95 publish-to-receive of the successful attempts, ms: from the event being accepted to the end of the attempt; null when none succeeded',
  })
  latencyP95Ms: (number | null)[];
  @counts('Events accepted on the bus', [40, 31, 52])
  eventsPublished: number[];
  @counts('Log lines taken in by POST /logs', [1200, 980, 1310])
  logLinesScanned: number[];
}

export class FailingEndpointDto {
  @ApiProperty({ format: 'uuid', example: '3f0c9a52-8d1e-4b7a-9c2f-5e6d7a8b9c0d' }) id: string;
  @ApiProperty({ example: 'https://example.com/hooks/hub' }) url: string;
  @ApiPropertyOptional({ example: 'Billing service' }) description?: string;
  @ApiProperty({
    example: true,
    description: 'False once disabled (by the failure streak, a 410, or an operator)',
  })
  enabled: boolean;
  @ApiProperty({ type: String, nullable: true, example: null }) disabledReason: string | null;
  @ApiProperty({
    format: 'date-time',
    example: '2026-12-07T09:12:00.000Z',
    description: 'First failed attempt of the current streak',
  })
  failingSince: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 503,
    description: 'Status of the latest failed attempt; null when no answer came',
  })
  lastStatus: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'receiver answered 503' }) lastError:
    string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T13:58:00.000Z',
  })
  lastAttemptAt: string | null;
}

export class FailingBindingDto {
  @ApiProperty({ format: 'uuid', example: '8d7c1a52-9a51-4a39-a6a0-4f0f9c1b0e21' }) id: string;
  @ApiProperty({ example: 'alice' }) userId: string;
  @ApiProperty({ example: 'https://dav.example.com/alice/work/' }) calendarUrl: string;
  @ApiProperty({ type: String, nullable: true, example: 'Work' }) displayName: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T08:00:00.000Z',
    description:
      'Start of the first failed run since the last clean one (null when the sync log no longer has it)',
  })
  failingSince: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T13:55:00.000Z',
  })
  lastErrorAt: string | null;
  @ApiProperty({ example: 'CalDAV server answered 401' }) lastError: string;
}

export class FailingIntegrationDto {
  @ApiProperty({ format: 'uuid', example: '5b2e7c1d-3a4f-4e6b-8c9d-0a1b2c3d4e5f' }) id: string;
  @ApiProperty({ example: 'Jira HUB' }) name: string;
  @ApiProperty({ example: 'jira' }) kind: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-07T13:50:00.000Z' }) lastErrorAt: string;
  @ApiProperty({ example: 'Jira answered 401: check the token' }) lastError: string;
  @ApiProperty({ type: Number, nullable: true, example: 401 }) lastStatus: number | null;
}

export class FailingConsumerDto {
  @ApiProperty({ example: 'integrations.dispatch' }) name: string;
  @ApiProperty({ example: 2, description: 'Poison records kept (events it skipped)' })
  poisonCount: number;
  @ApiProperty({ type: String, nullable: true, example: 'TypeError: data.cardId must be a number' })
  lastError: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T12:00:00.000Z',
  })
  lastErrorAt: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The event it is retrying now, if any',
  })
  failingEventId: string | null;
}

export class OverviewFailingDto {
  @ApiProperty({
    type: [FailingEndpointDto],
    description: 'Webhook endpoints in a failure streak, longest first',
  })
  endpoints: FailingEndpointDto[];
  @ApiProperty({
    type: [FailingBindingDto],
    description: 'Enabled calendar bindings whose last run failed',
  })
  bindings: FailingBindingDto[];
  @ApiProperty({
    type: [FailingIntegrationDto],
    description: 'Enabled integrations whose latest remote call failed',
  })
  integrations: FailingIntegrationDto[];
  @ApiProperty({
    type: [FailingConsumerDto],
    description: 'Bus consumers retrying an event now or holding poison records',
  })
  consumers: FailingConsumerDto[];
}

export class EndpointHealthItemDto {
  @ApiProperty({ format: 'uuid', example: '3f0c9a52-8d1e-4b7a-9c2f-5e6d7a8b9c0d' })
  endpointId: string;
  @counts('Start of each hourly bucket, epoch seconds', [1796562000, 1796565600])
  at: number[];
  @counts('Attempts answered 2xx per hour', [40, 38]) succeeded: number[];
  @counts('Other attempts per hour', [0, 3]) failed: number[];
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 503,
    description: 'Status of the latest attempt; null when it got no answer or there was none',
  })
  lastStatus: number | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T13:58:00.000Z',
  })
  lastAttemptAt: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T13:12:00.000Z',
  })
  failingSince: string | null;
}

export class EndpointHealthDto {
  @ApiProperty({
    type: [EndpointHealthItemDto],
    description: 'One item per known endpoint, in the order asked; unknown ids are left out',
  })
  items: EndpointHealthItemDto[];
}
