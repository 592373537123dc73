import { Controller, Get, Header, Logger, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Public } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { PayloadsService } from './payloads.service.js';

@ApiTags('Webhooks')
@Public()
@Controller('webhooks/payloads')
export class PayloadsController {
  private readonly logger = new Logger('WebhookPayloads');

  constructor(private readonly payloads: PayloadsService) {}

  @Get(':deliveryId')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'The data of a webhook too large to inline',
    description:
      'Receivers of a body with `dataReference` fetch its `url`: the token in it is the only credential. ' +
      'Answers the exact bytes whose size and sha256 the signed body names.',
  })
  @ApiParam({ name: 'deliveryId', format: 'uuid', description: 'From the dataReference url' })
  @ApiQuery({ name: 'token', description: 'From the dataReference url', required: true })
  @ApiProduces('application/json')
  @ApiOkResponse({
    description: 'The event data, as JSON',
    schema: { type: 'object', example: { cardId: 42, attachments: ['...'] } },
  })
  @ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Token forged, for another delivery, or expired',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'The delivery no longer exists' })
  async data(
    @Param('deliveryId', new ParseUUIDPipe()) deliveryId: string,
    @Query('token') token: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const bytes = await this.payloads.data(deliveryId, token ?? '');
    res.type('application/json').send(bytes);
  }

  @Get(':deliveryId/artifacts/:artifactId')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary: 'An artifact a webhook links to',
    description:
      'Receivers fetch the `url` of an artifact in `data.artifacts`: the token in it is the only credential. ' +
      'Streams the bytes with the Content-Type they were uploaded with, as an attachment; their sha256 is the one the signed body names (also sent as `Repr-Digest`).',
  })
  @ApiParam({ name: 'deliveryId', format: 'uuid', description: 'From the artifact url' })
  @ApiParam({ name: 'artifactId', format: 'uuid', description: 'From the artifact url' })
  @ApiQuery({ name: 'token', description: 'From the artifact url', required: true })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The bytes of the artifact, with its own Content-Type',
    schema: { type: 'string', format: 'binary', example: 'build 1432 passed in 81 s\n' },
  })
  @ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Token forged, for another delivery or artifact, or expired',
  })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'The artifact is no longer stored' })
  async artifact(
    @Param('deliveryId', new ParseUUIDPipe()) deliveryId: string,
    @Param('artifactId', new ParseUUIDPipe()) artifactId: string,
    @Query('token') token: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { meta, chunks } = await this.payloads.artifact(deliveryId, artifactId, token ?? '');
    // An attachment in a sandbox: an uploaded text/html must not run as a page of the hub.
    res.attachment(meta.name);
    // setHeader, not res.set: Express would add a charset to the type as uploaded.
    res.setHeader('Content-Type', meta.contentType);
    res.setHeader('Content-Length', String(meta.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(meta.sha256, 'hex').toString('base64')}:`);
    // About one chunk row in memory at a time: Readable.from would otherwise read 16 rows
    // ahead of a slow receiver; the next is read once the socket has taken this one.
    await pipeline(Readable.from(chunks, { highWaterMark: 1 }), res).catch((err: Error) =>
      this.logger.warn(`artifact ${artifactId} of delivery ${deliveryId} cut off: ${err.message}`),
    );
  }
}
