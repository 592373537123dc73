import { NextCursorProperty } from '../../../common/http/pagination.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BODY_SHAPES, type BodyShape } from '../../payloads/body-shape.js';
import type { EndpointSignature } from '../../signature.js';
import type { EndpointEntity } from '../endpoint.entity.js';
import { SignatureDto } from './endpoint-signature.dto.js';

export class EndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://receiver.example.com/hooks' }) url: string;
  @ApiProperty({ example: 'Billing receiver' }) description: string;
  @ApiProperty({ example: ['card.*', 'invoice.paid'], type: [String] }) eventTypes: string[];
  @ApiProperty() enabled: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'every attempt failed for 5 days' })
  disabledReason: string | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) disabledAt: Date | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { authorization: '[redacted]', 'x-tenant': 'acme' },
    description:
      'Static headers. Values are sealed at rest; credentials (authorization, cookies, keys, tokens) show as [redacted]',
  })
  headers: Record<string, string>;
  @ApiProperty({
    type: SignatureDto,
    example: { scheme: 'hmac-sha256-hex', header: 'x-hub-signature-256' },
    description: 'How requests are signed; `header` is present only for hmac-sha256-hex',
  })
  signature: EndpointSignature;
  @ApiProperty({
    enum: BODY_SHAPES,
    example: 'envelope',
    description:
      'How request bodies are shaped: `{type, timestamp, data}` or `{...data, timestamp}`',
  })
  body: BodyShape;
  @ApiPropertyOptional({ example: 10, nullable: true, type: Number }) rateLimitPerSecond:
    number | null;
  @ApiProperty({ example: { team: 'billing' }, type: 'object', additionalProperties: true })
  metadata: Record<string, unknown>;
  @ApiPropertyOptional({
    nullable: true,
    type: Date,
    description: 'Start of the current failure streak',
  })
  failingSince: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description:
      'Why deliveries cannot be signed or sent as configured: a signing secret or header value was sealed with a key that is not configured (SECRET_KEY changed; put the old key in SECRET_KEY_PREVIOUS). Null when everything opens',
  })
  configError: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;

  /** `headers`: the stored ones as shown (see displayHeaders). */
  static from(
    e: EndpointEntity,
    headers: Record<string, string>,
    configError: string | null,
  ): EndpointDto {
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      eventTypes: e.eventTypes,
      enabled: e.enabled,
      disabledReason: e.disabledReason,
      disabledAt: e.disabledAt,
      headers,
      signature: e.signature,
      body: e.body,
      rateLimitPerSecond: e.rateLimitPerSecond,
      metadata: e.metadata,
      failingSince: e.failingSince,
      configError,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }
}

export class EndpointPageDto {
  @ApiProperty({ type: [EndpointDto] }) data: EndpointDto[];
  @NextCursorProperty() nextCursor: string | null;
}

export class EndpointSecretDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The current signing secret',
  })
  secret: string;
  @ApiProperty({
    example: [{ expiresAt: '2026-12-02T09:30:00.000Z' }],
    description: 'Older secrets still signing, and until when',
    type: 'array',
    items: { type: 'object', properties: { expiresAt: { type: 'string', format: 'date-time' } } },
  })
  previous: { expiresAt: string }[];
}
