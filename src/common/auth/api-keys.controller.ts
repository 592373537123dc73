import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';
import { ApiKeysService } from './api-keys.service.js';
import { AdminOnly } from './audience.decorator.js';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';

@ApiTags('Admin')
@AdminOnly()
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The key is in the response once and never again',
  })
  async create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { entity, key } = await this.apiKeys.create(dto.name, dto.role);
    return { ...ApiKeyDto.from(entity), key };
  }

  @Get()
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list()).map(ApiKeyDto.from);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; the key stops working at once' })
  @ApiNotFoundResponse({ type: ProblemDto })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.apiKeys.revoke(id);
  }
}
