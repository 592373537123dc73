import { ApiProperty } from '@nestjs/swagger';

export class DropCountsDto {
  @ApiProperty({ example: 3, description: 'Hits of a rule still cooling down' }) cooldown: number;
  @ApiProperty({ example: 0, description: "Hits over the source's token bucket" })
  rateLimit: number;
}

export class IngestResultDto {
  @ApiProperty({ example: 'backup' }) source: string;
  @ApiProperty({ example: 120, description: 'Lines accepted' }) accepted: number;
  @ApiProperty({
    example: 0,
    description:
      'Accepted lines not scanned (or not against every rule): the batch used its scanning time (LOGSCAN_SCAN_BUDGET_MS). The last ones of the batch; 0 normally',
  })
  unscanned: number;
  @ApiProperty({
    type: [Number],
    example: [17],
    description: 'Indexes of lines cut to 16 KiB (at a UTF-8 character boundary)',
  })
  truncated: number[];
  @ApiProperty({ example: 5, description: 'Rule matches (a line may match several rules)' })
  hits: number;
  @ApiProperty({ example: 2, description: 'Events committed to the bus before this answer' })
  published: number;
  @ApiProperty({ type: DropCountsDto }) dropped: DropCountsDto;
}
