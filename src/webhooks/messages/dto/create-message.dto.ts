import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import {
  FreeFormJson,
  jsonObject,
  type FreeFormRule,
} from '../../../common/http/free-form-json.js';
import { EVENT_TYPE_PATTERN, MAX_EVENT_TYPE_LENGTH } from '../../../events/index.js';
import { SignatureDto, SignatureProperty } from '../../endpoints/dto/endpoint-signature.dto.js';
import { BodyShapeProperty } from '../../payloads/body-shape.dto.js';
import type { BodyShape } from '../../payloads/body-shape.js';

const requiredObject: FreeFormRule = (value) =>
  value === undefined ? 'is required' : jsonObject()(value);

/** The body of `POST /webhooks/messages`: one signed delivery to a URL of the caller's choosing. */
export class CreateMessageDto {
  @ApiProperty({
    example: 'https://jobs.example.com/callbacks/job-42',
    description:
      'Where to send it: http(s), no credentials; must resolve to a public address unless OUTBOUND_ALLOW_PRIVATE=true (checked now and again when connecting)',
    maxLength: 2048,
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({
    example: 'job.state_changed',
    description: 'Dotted lowercase name, as an event type (the envelope body carries it)',
    maxLength: MAX_EVENT_TYPE_LENGTH,
  })
  @IsString()
  @Length(1, MAX_EVENT_TYPE_LENGTH)
  @Matches(EVENT_TYPE_PATTERN, { message: 'must be a dotted lowercase name such as job.done' })
  type: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { job_id: 'job-42', state: 'done', previous_state: 'running', attempt: 1 },
    description: 'A JSON object: the envelope’s `data`, or the flat body’s top-level fields',
  })
  @FreeFormJson(requiredObject)
  data: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'whsec_ + base64 of 24 to 64 bytes, the receiver’s secret; when omitted one is generated and returned once in the 202',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'must be whsec_ followed by base64' })
  secret?: string;

  @SignatureProperty(
    'As an endpoint’s: Standard Webhooks (default), or `sha256=<hex>` of the body in a header of your choosing (foreman’s `x-foreman-signature`)',
    'x-foreman-signature',
  )
  signature?: SignatureDto;

  @BodyShapeProperty()
  body?: BodyShape;
}
