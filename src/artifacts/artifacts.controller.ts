import { Controller, Headers, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtension,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { PublisherAuth } from '../common/auth/audience.decorator.js';
import { CurrentPrincipal } from '../common/auth/principal.js';
import type { Principal } from '../common/auth/principal.js';
import { RAW_BODY } from '../common/http/common-responses.js';
import { ProblemDto } from '../common/http/problem.js';
import { ArtifactUploadService } from './artifact-upload.service.js';
import { ArtifactDto, UploadArtifactQueryDto } from './dto/artifact.dto.js';

@ApiTags('Artifacts')
@Controller('artifacts')
export class ArtifactsController {
  constructor(private readonly uploads: ArtifactUploadService) {}

  @Post()
  @PublisherAuth()
  @ApiOperation({
    summary: 'Store an artifact (raw bytes) for events to name',
    description:
      'The body is the artifact itself, any media type, streamed into the database (never held whole in memory) up to ARTIFACT_MAX_BYTES (default 100 MiB). ' +
      'Name it in an event as `data.artifacts: [{"artifactId": "<id>"}]`: each delivery then carries its name, content type, size and sha256, ' +
      'and its bytes inline (small ones) or a signed link (docs/webhooks.md, "Artifacts").',
  })
  @ApiExtension(RAW_BODY, true)
  @ApiConsumes('application/octet-stream', 'text/plain')
  @ApiBody({
    description: 'The bytes of the artifact; its Content-Type is stored and sent with it',
    required: true,
    schema: { type: 'string', format: 'binary', example: 'build 1432 passed in 81 s\n' },
  })
  @ApiCreatedResponse({ type: ArtifactDto, description: 'Stored, whole, with its SHA-256' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'No or a malformed `name`, an empty body, a malformed Content-Type, or an upload cut off',
  })
  @ApiPayloadTooLargeResponse({
    type: ProblemDto,
    description: 'Over ARTIFACT_MAX_BYTES; nothing was stored',
  })
  upload(
    @Query() query: UploadArtifactQueryDto,
    @Req() req: Request,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ArtifactDto> {
    return this.uploads.upload(req, {
      name: query.name,
      contentType,
      contentLength,
      createdBy: principal.id,
    });
  }
}
