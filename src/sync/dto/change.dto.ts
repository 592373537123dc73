import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const TABLE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * One change of a changeset, for the OpenAPI document. The rules are enforced by
 * validateChanges (validate-changes.ts), by hand for speed.
 */
export class ChangeDto {
  @ApiPropertyOptional({
    example: '5b0c7a4e-1f2d-4c3b-8a9e-0d1c2b3a4f5e',
    minLength: 1,
    maxLength: 200,
    description:
      'Unique per user within the app (a UUID); makes the change idempotent. Without it (as mana-sync clients send) the server assigns one, and a retry applies the change again',
  })
  eventId?: string;

  @ApiProperty({ example: 'cards', pattern: TABLE_PATTERN.source })
  table: string;

  @ApiProperty({ example: 'c1', minLength: 1, maxLength: 200 })
  id: string;

  @ApiProperty({ enum: ['insert', 'update', 'delete'] })
  op: 'insert' | 'update' | 'delete';

  @ApiPropertyOptional({
    example: { title: 'Buy milk', done: false },
    type: 'object',
    additionalProperties: true,
    description: 'insert (required): the record',
  })
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'insert: when the client made it (default: server time)',
  })
  at?: string;

  @ApiPropertyOptional({
    example: { done: { value: true, at: '2026-12-01T09:30:00.000Z' } },
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { value: {}, at: { type: 'string', format: 'date-time' } },
    },
    description: 'update (required): changed fields, each with the client time it changed',
  })
  fields?: Record<string, { value: unknown; at: string }>;

  @ApiPropertyOptional({ format: 'date-time', description: 'delete: when (default: server time)' })
  deletedAt?: string;

  // `type` must be given: reflection sees `string | null` as Object, and Swagger UI then sends
  // `{}`, which the push refuses. The example is null (a private record), which any user may push.
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    example: null,
    description:
      'The record’s space; when absent, null or empty, data.spaceId, then fields.spaceId.value are read instead (as mana-sync does)',
  })
  spaceId?: string | null;

  @ApiPropertyOptional({ example: 1, minimum: 1 })
  schemaVersion?: number;

  @ApiPropertyOptional({
    description: 'Who made it, passed through: a string, or an object of up to 2,000 bytes of JSON',
    // null rides on the string branch: OpenAPI 3.0 has no `nullable` beside `oneOf`.
    oneOf: [
      { type: 'string', maxLength: 200, nullable: true },
      { type: 'object', additionalProperties: true },
    ],
    example: 'alice',
  })
  actor?: string | Record<string, unknown> | null;

  @ApiPropertyOptional({ example: 'phone-1', type: String, nullable: true, maxLength: 200 })
  origin?: string | null;
}
