import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { LOG_STREAMS, type LogStream } from '../../rules/log-rule.entity.js';
import { MAX_LINES_PER_REQUEST, MAX_SOURCE_LENGTH } from '../log-batch.js';

/** Documentation of the JSON body (validated by hand in log-batch.ts, for speed). */
export class LogLineDto {
  @ApiProperty({
    example: 'container api-7f9c OOMKilled (memory limit 512Mi)',
    description: 'The line; over 16 KiB of UTF-8 it is cut and flagged',
  })
  text: string;
  @ApiPropertyOptional({
    example: '2026-12-01T21:14:03.120Z',
    description: 'When it was written: ISO 8601 with an offset, or epoch seconds; default: arrival',
  })
  time?: string;
  @ApiPropertyOptional({ enum: LOG_STREAMS, description: "Overrides the batch's stream" })
  stream?: LogStream;
}

@ApiExtraModels(LogLineDto)
export class IngestLogsDto {
  @ApiProperty({
    example: 'backup',
    maxLength: MAX_SOURCE_LENGTH,
    description: 'Who wrote the lines: a host, container or job',
  })
  source: string;
  @ApiPropertyOptional({
    enum: LOG_STREAMS,
    description: 'Stream of every line (rules may filter on it)',
  })
  stream?: LogStream;
  // A line is an object or a plain string: the schema says both, as log-batch.ts accepts.
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(LogLineDto) }] },
    minItems: 1,
    maxItems: MAX_LINES_PER_REQUEST,
    description: 'Objects, or plain strings for lines without a time',
    example: [
      { text: 'backup: disk /dev/sdb1 full', time: '2026-12-01T21:14:03Z' },
      'backup finished with errors',
    ],
  })
  lines: (LogLineDto | string)[];
}

export class IngestLogsQueryDto {
  @ApiPropertyOptional({
    example: 'nas-01',
    description: 'The source when the body does not name one (required for NDJSON bodies)',
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_SOURCE_LENGTH)
  source?: string;

  @ApiPropertyOptional({ enum: LOG_STREAMS, description: 'Default stream of the lines' })
  @IsOptional()
  @IsIn(LOG_STREAMS)
  stream?: LogStream;
}
