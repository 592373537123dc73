import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Min,
  registerDecorator,
  ValidateIf,
} from 'class-validator';

export const TABLE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
const ISO = { strict: true, strictSeparator: true };

/** `fields` of an update: a non-empty map of field name to { value, at }. */
function IsFieldWrites() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isFieldWrites',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => fieldWritesProblem(value) === undefined,
        defaultMessage: (args) => fieldWritesProblem(args?.value) ?? 'is invalid',
      },
    });
}

function fieldWritesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of field name to { value, at }';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'must change at least one field';
  for (const [name, write] of entries) {
    if (name.length === 0 || name.length > 200)
      return 'field names must be 1 to 200 characters long';
    if (typeof write !== 'object' || write === null || Array.isArray(write))
      return `.${name} must be { value, at }`;
    const keys = Object.keys(write);
    if (!keys.includes('value')) return `.${name}.value is missing`;
    if (keys.some((k) => k !== 'value' && k !== 'at')) return `.${name} may only hold value and at`;
    const at = (write as { at?: unknown }).at;
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !/^\d{4}-\d\d-\d\dT/.test(at))
      return `.${name}.at must be an ISO 8601 timestamp`;
  }
  return undefined;
}

export class ChangeDto {
  @ApiProperty({
    description: 'Unique per user within the app (a UUID); makes the change idempotent',
  })
  @IsString()
  @Length(1, 200)
  eventId: string;

  @ApiProperty({ example: 'cards', pattern: TABLE_PATTERN.source })
  @IsString()
  @Matches(TABLE_PATTERN, { message: 'must match [a-z][a-z0-9_]{0,62}' })
  table: string;

  @ApiProperty({ example: 'c1' })
  @IsString()
  @Length(1, 200)
  id: string;

  @ApiProperty({ enum: ['insert', 'update', 'delete'] })
  @IsIn(['insert', 'update', 'delete'])
  op: 'insert' | 'update' | 'delete';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'insert: the record',
  })
  @ValidateIf((c: ChangeDto) => c.op === 'insert' || c.data !== undefined)
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time', description: 'insert: when the client made it' })
  @IsOptional()
  @IsISO8601(ISO)
  at?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { value: {}, at: { type: 'string', format: 'date-time' } },
    },
    description: 'update: changed fields, each with the client time it changed',
  })
  @ValidateIf((c: ChangeDto) => c.op === 'update' || c.fields !== undefined)
  @IsFieldWrites()
  fields?: Record<string, { value: unknown; at: string }>;

  @ApiPropertyOptional({ format: 'date-time', description: 'delete: when it was deleted' })
  @ValidateIf((c: ChangeDto) => c.op === 'delete' || c.deletedAt !== undefined)
  @IsISO8601(ISO)
  deletedAt?: string;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID()
  spaceId?: string | null;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  schemaVersion?: number;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  actor?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  origin?: string | null;
}
