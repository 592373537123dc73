import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AttemptDto, type DeliveryStatus } from '../../deliveries/dto/delivery.dto.js';
import { SignatureDto } from '../../endpoints/dto/endpoint-signature.dto.js';
import { BODY_SHAPES, type BodyShape } from '../../payloads/body-shape.js';
import type { EndpointSignature } from '../../signature.js';

export class MessageAcceptedDto {
  @ApiProperty({
    format: 'uuid',
    example: '4b0c2a3e-9f1d-4c8f-a1d2-b3c4d5e6f708',
    description: 'The message id; its requests carry `webhook-id: msg_<id without dashes>`',
  })
  id: string;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'Only when the request gave no `secret`: the one generated to sign this message, shown this once',
  })
  secret?: string;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid', example: '4b0c2a3e-9f1d-4c8f-a1d2-b3c4d5e6f708' }) id: string;
  @ApiProperty({
    example: 'msg_4b0c2a3e9f1d4c8fa1d2b3c4d5e6f708',
    description: 'The webhook-id header: the same on every attempt',
  })
  webhookId: string;
  @ApiProperty({ example: 'https://jobs.example.com/callbacks/job-42' }) url: string;
  @ApiProperty({ example: 'job.state_changed' }) type: string;
  @ApiProperty({ enum: BODY_SHAPES, example: 'flat' }) body: BodyShape;
  @ApiProperty({
    type: SignatureDto,
    example: { scheme: 'hmac-sha256-hex', header: 'x-foreman-signature' },
    description: 'How its requests are signed (the secret is never shown)',
  })
  signature: EndpointSignature;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { job_id: 'job-42', state: 'done' },
    description: 'The data as accepted',
  })
  data: Record<string, unknown>;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'], example: 'succeeded' })
  status: DeliveryStatus;
  @ApiProperty({ example: 2 }) attemptCount: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Date,
    example: null,
    description: 'When the next attempt is due; null once it succeeded or failed',
  })
  nextAttemptAt: Date | null;
  @ApiPropertyOptional({ example: 200, nullable: true, type: Number }) lastStatusCode:
    number | null;
  @ApiPropertyOptional({ example: null, nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ example: '2026-12-07T10:00:00.000Z' }) createdAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date, example: '2026-12-07T10:00:05.120Z' })
  completedAt: Date | null;
  @ApiProperty({ type: [AttemptDto], description: 'Every attempt, oldest first' })
  attempts: AttemptDto[];
}
