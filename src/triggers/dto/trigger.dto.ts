import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REDACTED } from '../../common/security/redaction.js';
import { type EndpointSignature, SignatureDto } from '../../webhooks/index.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../firing/trigger-payload.js';
import { FilterShorthandsDto, MatcherDto } from './matcher.dto.js';

export class TriggerActionDto {
  @ApiProperty({ enum: ['webhook'], example: 'webhook' }) type: 'webhook';
  @ApiProperty({ example: 'https://alerts.example.com/hooks/hub' }) url: string;
  @ApiProperty({
    example: REDACTED,
    description: `Always ${REDACTED}, never the secret (GET /triggers/{id}/secret shows it); send it back to keep the stored secret`,
  })
  secret: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'x-team': 'ops', authorization: REDACTED },
  })
  headers: Record<string, string>;
  @ApiProperty({
    type: SignatureDto,
    example: { scheme: 'hmac-sha256-hex', header: 'x-hub-signature-256' },
    description: 'How requests are signed; `header` is present only for hmac-sha256-hex',
  })
  signature: EndpointSignature;
}

export class TriggerDto {
  @ApiProperty({ example: '6f1c2b0e-6a51-4a53-9a3e-0c7d2f3b9e41' }) id: string;
  @ApiProperty({ example: 'backup disk full' }) name: string;
  @ApiProperty({ example: 'Page the on-call when a backup runs out of disk' }) description: string;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({
    type: [MatcherDto],
    example: [{ label: 'source', op: '=', value: 'backup' }],
  })
  matchers: MatcherDto[];
  @ApiProperty({ type: FilterShorthandsDto, example: { severity: 'error, critical' } })
  filter: FilterShorthandsDto;
  @ApiProperty({ type: TriggerActionDto }) action: TriggerActionDto;
  @ApiProperty({
    enum: PAYLOAD_FORMATS,
    example: 'tiny-forge',
    description: 'The body receivers get (see payloadFormat on POST /triggers)',
  })
  payloadFormat: PayloadFormat;
  @ApiProperty({ example: '4h' }) repeatInterval: string;
  @ApiProperty({ type: [String], example: ['source'] }) groupBy: string[];
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) createdAt: string;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) updatedAt: string;
}

export class TriggerPageDto {
  @ApiProperty({ type: [TriggerDto] }) data: TriggerDto[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}

export class TriggerSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }) secret: string;
}

export class TestSendResultDto {
  @ApiProperty({ example: true, description: 'The receiver answered 2xx' }) ok: boolean;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 200 }) statusCode: number | null;
  @ApiProperty({ example: 42 }) durationMs: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'ok',
    description: "The receiver's answer, first 4 KiB",
  })
  bodyExcerpt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) error: string | null;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) attemptedAt: string;
}

export const FIRING_OUTCOMES = ['fired', 'suppressed', 'silenced', 'undeliverable'] as const;
export type FiringOutcome = (typeof FIRING_OUTCOMES)[number];

export class FiringDeliveryDto {
  @ApiProperty({ example: '4b0c2a3e-9f1d-4c8f-a1d2-b3c4d5e6f708' }) id: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'], example: 'succeeded' }) status: string;
  @ApiProperty({ example: 1 }) attemptCount: number;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 200 }) lastStatusCode:
    number | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) lastError: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) nextAttemptAt:
    string | null;
}

export class FiringDto {
  @ApiProperty({ example: '1042', description: 'Firing sequence number' }) id: string;
  @ApiProperty({ example: '98231' }) eventId: string;
  @ApiProperty({ example: 'backup.failed' }) eventType: string;
  @ApiProperty({
    enum: FIRING_OUTCOMES,
    example: 'fired',
    description:
      'fired; suppressed (repeat interval); silenced; undeliverable (its webhook target was disabled)',
  })
  outcome: FiringOutcome;
  @ApiProperty({ example: '{"source":"backup"}', description: 'The groupBy values' })
  group: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) silenceId: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: null }) error: string | null;
  @ApiPropertyOptional({
    type: FiringDeliveryDto,
    nullable: true,
    description: 'The delivery, as the Webhooks pipeline sees it now (fired only)',
  })
  delivery: FiringDeliveryDto | null;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) createdAt: string;
}

export class FiringPageDto {
  @ApiProperty({ type: [FiringDto] }) data: FiringDto[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor: string | null;
}

export class TriggerStatsDto {
  @ApiProperty({ example: 12, description: 'Events that matched (every outcome)' })
  matches: number;
  @ApiProperty({ example: 9 }) fires: number;
  @ApiProperty({ example: 2, description: 'Matches the repeat interval suppressed' })
  suppressed: number;
  @ApiProperty({ example: 1 }) silenced: number;
  @ApiProperty({
    example: 1,
    description: 'Firings whose delivery failed for good, or that could not be delivered',
  })
  failures: number;
  @ApiPropertyOptional({ type: String, nullable: true, example: '2026-12-01T10:00:00.000Z' })
  lastFiredAt: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'receiver answered 500' })
  lastError: string | null;
}
