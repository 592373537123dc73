import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { QueryFlag } from './binding.dto.js';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { LEGACY_PLACEHOLDERS, REDACTED } from '../../common/security/redaction.js';

export class PutAccountDto {
  @ApiProperty({
    example: 'https://caldav.fastmail.com/',
    description:
      'The CalDAV server (http or https, no credentials in the URL). The hub follows `/.well-known/caldav`, then asks for your principal and calendar home.',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  serverUrl: string;

  @ApiProperty({ example: 'dana@example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  username: string;

  @ApiPropertyOptional({
    example: 'app-specific-password',
    description: `Sealed at rest, never shown again (reads show ${REDACTED}). Required the first time; omit it or send ${REDACTED} to keep the stored one (deprecated: the old placeholder ${LEGACY_PLACEHOLDERS.join(', ')} keeps it too). iCloud and Fastmail need an app password.`,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  password?: string;

  @ApiPropertyOptional({
    default: true,
    description:
      'With no binding yet, bind your first calendar (or a new "Integration Hub" calendar) to everything you can see',
  })
  @IsOptional()
  @IsBoolean()
  autoBind?: boolean;
}

export class AccountDto {
  @ApiProperty({ example: 'https://caldav.fastmail.com/' })
  serverUrl: string;
  @ApiProperty({ example: 'dana@example.com' })
  username: string;
  @ApiProperty({
    example: REDACTED,
    description: `Always ${REDACTED}; send it back to keep the stored password`,
  })
  password: string;
  @ApiProperty({
    type: String,
    example: 'https://caldav.fastmail.com/dav/principals/user/dana@example.com/',
    nullable: true,
  })
  principalUrl: string | null;
  @ApiProperty({
    type: String,
    example: 'https://caldav.fastmail.com/dav/calendars/user/dana@example.com/',
    nullable: true,
  })
  homeSetUrl: string | null;
  @ApiProperty({ example: 1, description: 'Bindings of this account' })
  bindings: number;
  @ApiProperty({
    example: null,
    nullable: true,
    description:
      'The worst error among your bindings (a stopped run before a failed object); null when all are fine',
  })
  worstError: string | null;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-12-01T09:00:00.000Z' })
  updatedAt: string;
  @ApiPropertyOptional({
    type: String,
    example: '9b2f3c3e-6f1c-4d55-9f5e-0f7f3a3c1b2a',
    nullable: true,
    description: 'Set on the answer to PUT when the first-time binding was just created',
  })
  autoBoundBindingId?: string | null;
}

export class CalendarDto {
  @ApiProperty({ example: '/dana/work/', description: 'Use as calendarPath when binding' })
  calendarPath: string;
  @ApiProperty({ example: 'https://caldav.example.com/dana/work/' })
  url: string;
  @ApiProperty({ type: String, example: 'Work', nullable: true })
  displayName: string | null;
  @ApiProperty({ example: true, description: 'Accepts events (VEVENT)' })
  supportsEvents: boolean;
  @ApiProperty({ example: true, description: 'Offers a sync-token (RFC 6578 incremental sync)' })
  supportsSyncToken: boolean;
  @ApiProperty({
    type: String,
    example: null,
    nullable: true,
    description: 'The binding that uses this calendar, if any',
  })
  bindingId: string | null;
}

export class CalendarListDto {
  @ApiProperty({ type: [CalendarDto] })
  data: CalendarDto[];
}

export class AccountTestDto {
  @ApiProperty({ example: true })
  ok: boolean;
  @ApiProperty({
    type: Number,
    example: 2,
    nullable: true,
    description: 'Calendars found; null when the test failed',
  })
  calendars: number | null;
  @ApiProperty({ type: String, example: null, nullable: true, description: 'Why it failed' })
  error: string | null;
  @ApiProperty({ example: 84, description: 'How long discovery took' })
  durationMs: number;
}

export class DisconnectAccountQueryDto {
  @QueryFlag(
    'Leave every object the hub wrote on the server (default: they are deleted, except ones edited there since)',
  )
  keepRemote?: boolean;
}
