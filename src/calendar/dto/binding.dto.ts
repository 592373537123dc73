import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { NextCursorProperty } from '../../common/http/pagination.js';
import { IsCronExpression, IsIanaTimeZone } from '../../jobs/index.js';
import { SCOPE_KINDS, type ScopeKind } from '../appointments/scope.js';
import type { ConflictPolicy } from '../bindings/binding.entity.js';

const CONFLICT_POLICIES = ['hub_wins', 'report'] as const;
/** An optional `limit` query parameter: a whole number from 1 to `max`. */
const Limit = (max: number) =>
  applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
    ),
    IsInt(),
    Min(1),
    Max(max),
  );
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const SYNC_CRON_DESCRIPTION =
  'Run the recurring sync at the fire times of this cron expression (five fields, or six with ' +
  'seconds first) instead of every CALENDAR_SYNC_INTERVAL; appointment changes are still pushed at once';
const SYNC_TIME_ZONE_DESCRIPTION =
  'IANA time zone `syncCron` is read in (default UTC); only with `syncCron`';

export class CreateBindingDto {
  @ApiPropertyOptional({
    example: '/dana/work/',
    description: 'One of GET /calendar/calendars; required unless `create` is true',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  calendarPath?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Create a new calendar (MKCALENDAR) under your calendar home and bind it',
  })
  @IsOptional()
  @IsBoolean()
  create?: boolean;

  @ApiPropertyOptional({ example: 'Project Apollo', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName?: string;

  @ApiProperty({ enum: SCOPE_KINDS, example: 'project' })
  @IsIn(SCOPE_KINDS)
  scopeKind: ScopeKind;

  @ApiPropertyOptional({
    example: 'apollo',
    description:
      'The node id; required for project, client, litigation, patent and case, absent for all_visible and personal_only',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  scopeId?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Hierarchy scopes: also your personal appointments',
  })
  @IsOptional()
  @IsBoolean()
  includePersonal?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    enum: CONFLICT_POLICIES,
    default: 'hub_wins',
    description:
      'hub_wins: remote edits are overwritten. report: they are kept and published as calendar.remote_changed',
  })
  @IsOptional()
  @IsIn(CONFLICT_POLICIES)
  conflictPolicy?: ConflictPolicy;

  @ApiPropertyOptional({ example: '0 7-19 * * MON-FRI', description: SYNC_CRON_DESCRIPTION })
  @IsOptional()
  @IsString()
  @IsCronExpression()
  syncCron?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: SYNC_TIME_ZONE_DESCRIPTION })
  @IsOptional()
  @IsString()
  @IsIanaTimeZone()
  syncTimeZone?: string;
}

export class UpdateBindingDto {
  @ApiPropertyOptional({ example: 'Project Apollo', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName?: string;

  @ApiPropertyOptional({ enum: SCOPE_KINDS, example: 'client' })
  @IsOptional()
  @IsIn(SCOPE_KINDS)
  scopeKind?: ScopeKind;

  @ApiPropertyOptional({
    type: String,
    example: 'acme',
    nullable: true,
    description: 'Send null when switching to all_visible or personal_only',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  scopeId?: string | null;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  includePersonal?: boolean;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ enum: CONFLICT_POLICIES, example: 'report' })
  @IsOptional()
  @IsIn(CONFLICT_POLICIES)
  conflictPolicy?: ConflictPolicy;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '0 7-19 * * MON-FRI',
    description: `${SYNC_CRON_DESCRIPTION}. Send null to go back to the interval`,
  })
  @IsOptional()
  @IsString()
  @IsCronExpression()
  syncCron?: string | null;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: SYNC_TIME_ZONE_DESCRIPTION })
  @IsOptional()
  @IsString()
  @IsIanaTimeZone()
  syncTimeZone?: string;
}

export class BindingDto {
  @ApiProperty({ example: '9b2f3c3e-6f1c-4d55-9f5e-0f7f3a3c1b2a' })
  id: string;
  @ApiProperty({ example: 'dana' })
  userId: string;
  @ApiProperty({ example: '/dana/work/' })
  calendarPath: string;
  @ApiProperty({ example: 'https://caldav.example.com/dana/work/' })
  calendarUrl: string;
  @ApiProperty({ type: String, example: 'Project Apollo', nullable: true })
  displayName: string | null;
  @ApiProperty({ enum: SCOPE_KINDS, example: 'project' })
  scopeKind: ScopeKind;
  @ApiProperty({ type: String, example: 'apollo', nullable: true })
  scopeId: string | null;
  @ApiProperty({ example: false })
  includePersonal: boolean;
  @ApiProperty({ example: true })
  enabled: boolean;
  @ApiProperty({ enum: CONFLICT_POLICIES, example: 'hub_wins' })
  conflictPolicy: ConflictPolicy;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The cron expression of the recurring sync; null: every CALENDAR_SYNC_INTERVAL',
  })
  syncCron: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The IANA time zone of `syncCron`; null without one',
  })
  syncTimeZone: string | null;
  @ApiProperty({ example: 12, description: 'Objects the hub keeps in this calendar' })
  objects: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:05:00.000Z',
    nullable: true,
  })
  lastSyncAt: string | null;
  @ApiProperty({
    type: String,
    example: null,
    nullable: true,
    description: 'Why the last run stopped or which object failed',
  })
  lastSyncError: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:10:00.000Z',
    nullable: true,
    description:
      "When the recurring run is due next: `syncCron`'s next fire time, or the last run plus " +
      'CALENDAR_SYNC_INTERVAL (null before the first run); null when disabled',
  })
  nextSyncAt: string | null;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' })
  updatedAt: string;
}

export class BindingListDto {
  @ApiProperty({ type: [BindingDto] })
  data: BindingDto[];
}

export class BindingPageDto extends BindingListDto {
  @NextCursorProperty() nextCursor: string | null;
}

/** An optional boolean query flag: `true` or `false`, anything else a 400 naming it. */
export const QueryFlag = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: Boolean, default: false, description }),
    IsOptional(),
    Transform(toBool),
    IsBoolean(),
  );

export class DeleteBindingQueryDto {
  @QueryFlag('Leave the objects this binding wrote on the server (default: they are deleted)')
  keepRemote?: boolean;
}

export class SyncNowQueryDto {
  @QueryFlag(
    "Let this run delete more than half of the binding's objects (the mass-delete guard stopped it)",
  )
  confirmDeletes?: boolean;
}

export class SyncStartedDto {
  @ApiProperty({
    example: '1842',
    description: 'The job running it (GET /jobs/{id} for operators)',
  })
  jobId: string;
}

export class AdminBindingsQueryDto {
  @ApiPropertyOptional({ example: 'dana', description: "Only this user's bindings" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  userId?: string;

  @ApiPropertyOptional({
    example: 100,
    default: 100,
    minimum: 1,
    maximum: 1000,
    description: 'At most this many',
  })
  @Limit(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class SyncLogQueryDto {
  @ApiPropertyOptional({
    example: 50,
    default: 50,
    minimum: 1,
    maximum: 500,
    description: 'Newest first, at most this many runs',
  })
  @Limit(500)
  limit?: number;
}

export class SyncLogEntryDto {
  @ApiProperty({ example: '311' })
  id: string;
  @ApiProperty({ example: '2026-12-01T09:05:00.000Z' })
  startedAt: string;
  @ApiProperty({ example: 412 })
  durationMs: number;
  @ApiProperty({ example: 3 })
  created: number;
  @ApiProperty({ example: 1 })
  updated: number;
  @ApiProperty({ example: 0 })
  deleted: number;
  @ApiProperty({ example: 40 })
  unchanged: number;
  @ApiProperty({ example: 1, description: 'Edits and deletions made on the server to our objects' })
  remoteChanges: number;
  @ApiProperty({ example: 0 })
  errors: number;
  @ApiProperty({ type: String, example: null, nullable: true })
  firstError: string | null;
  @ApiProperty({
    example: false,
    description: 'True when the run listed the whole calendar (no or an invalid sync-token)',
  })
  fullResync: boolean;
}

export class SyncLogDto {
  @ApiProperty({ type: [SyncLogEntryDto] })
  data: SyncLogEntryDto[];
}
