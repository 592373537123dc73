import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { JobsService } from '../jobs/index.js';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { RESEAL_QUEUE } from './reseal.queue.js';
import { SecretsStatusService } from './secrets-status.service.js';

class KeyCountDto {
  @ApiProperty({ example: '3f9a0c1d2b4e5f60' }) keyId: string;
  @ApiProperty({ enum: ['current', 'previous', 'unknown'], example: 'previous' }) status: string;
  @ApiProperty({ example: 12 }) values: number;
}

class SecretsStatusDto {
  @ApiProperty({ example: 'a1b2c3d4e5f60718' }) currentKeyId: string;
  @ApiProperty({ type: [String], example: ['3f9a0c1d2b4e5f60'] }) previousKeyIds: string[];
  @ApiProperty({ type: [KeyCountDto] }) keys: KeyCountDto[];
  @ApiProperty({
    example: 12,
    description: 'Values on a previous key, waiting for the re-seal job',
  })
  toReseal: number;
  @ApiProperty({ example: 0, description: 'Values no configured key opens' }) unreadable: number;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) checkedAt: string;
}

class ResealQueuedDto {
  @ApiProperty({
    format: 'uuid',
    example: '8d7c1a52-9a51-4a39-a6a0-4f0f9c1b0e21',
    description: 'GET /jobs/{id}',
  })
  jobId: string;
}

@ApiTags('Admin')
@AdminOnly()
@Controller('admin/secrets')
export class SecretsController {
  constructor(
    private readonly secrets: SecretsStatusService,
    private readonly jobs: JobsService,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Sealed values per key id (SECRET_KEY rotation)',
    description:
      'Counts every sealed value in the hub (webhook secrets and headers, integration configs) by the key that sealed it: current, previous (SECRET_KEY_PREVIOUS, waiting for re-seal) or unknown (unreadable).',
  })
  @ApiOkResponse({ type: SecretsStatusDto, description: 'Sealed values counted per key id' })
  status(): Promise<SecretsStatusDto> {
    return this.secrets.status();
  }

  @Post('reseal')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue the re-seal job now',
    description:
      'Moves every value sealed with a previous key to SECRET_KEY. It also runs at start-up whenever values on a previous key exist.',
  })
  @ApiAcceptedResponse({
    type: ResealQueuedDto,
    description: 'Queued (or already queued); follow it with GET /jobs/{id}',
  })
  async reseal(): Promise<ResealQueuedDto> {
    return { jobId: await this.jobs.enqueue(RESEAL_QUEUE, {}, { dedupeKey: RESEAL_QUEUE }) };
  }
}
