import { Controller, Get, Header, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
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
import { Public } from '../../common/auth/audience.decorator.js';
import { ProblemDto } from '../../common/http/problem.js';
import { PayloadsService } from './payloads.service.js';

@ApiTags('Webhooks')
@Public()
@Controller('webhooks/payloads')
export class PayloadsController {
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
}
