import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { encodeCursor, PageQueryDto } from '../../common/http/pagination.js';
import { QUEUE_PATTERN } from './job.dto.js';

export class ListSchedulesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only schedules of this queue',
    example: 'calendar.sync',
  })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_PATTERN, { message: 'must be a queue name such as calendar.sync' })
  queue?: string;
}

export class ScheduleDto {
  @ApiProperty({ example: 'storage.maintenance' }) queue: string;
  @ApiProperty({
    example: 'default',
    description:
      "The schedule's key (`default` for a handler's own; a binding id for calendar.sync)",
  })
  key: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 600000,
    description: 'Period in milliseconds; null for a cron schedule',
  })
  intervalMs: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Cron expression (five fields, or six with seconds first); null for a periodic schedule',
  })
  cron: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'IANA time zone the cron expression is read in; null for a periodic schedule',
  })
  timeZone: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-01T09:00:00.000Z',
    description:
      'When an instance last claimed it (its job was enqueued then); null before the first run',
  })
  lastRunAt: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-12-01T09:10:00.000Z',
    description: 'When it is due next; claimed at that time by one instance',
  })
  nextRunAt: Date;
}

export class SchedulePageDto {
  @ApiProperty({
    type: [ScheduleDto],
    description: 'By queue, then key',
    example: [
      {
        queue: 'calendar.sync',
        key: '9b2f3c3e-6f1c-4d55-9f5e-0f7f3a3c1b2a',
        intervalMs: null,
        cron: '0 7-19 * * MON-FRI',
        timeZone: 'Europe/Berlin',
        lastRunAt: '2026-12-01T08:00:00.000Z',
        nextRunAt: '2026-12-01T09:00:00.000Z',
      },
      {
        queue: 'storage.maintenance',
        key: 'default',
        intervalMs: 600000,
        cron: null,
        timeZone: null,
        lastRunAt: '2026-12-01T09:00:00.000Z',
        nextRunAt: '2026-12-01T09:10:00.000Z',
      },
    ],
  })
  data: ScheduleDto[];
  @ApiPropertyOptional({
    example: encodeCursor({ queue: 'storage.maintenance', key: 'default' }),
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor: string | null;
}
