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
  ApiOperation,
  ApiParam,
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
  @ApiOperation({
    summary: 'Create an API key (admin or publisher); the key is shown once',
    description:
      'An `admin` key can do what the admin token does; a `publisher` key may only publish ' +
      'events and log lines (`POST /events`, `POST /logs`). Only a hash is stored: keep the ' +
      'key from this answer.',
  })
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The key is in the response once and never again',
  })
  async create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { entity, key } = await this.apiKeys.create(dto.name, dto.role);
    return { ...ApiKeyDto.from(entity), key };
  }

  @Get()
  @ApiOperation({
    summary: 'List API keys (never the keys themselves)',
    description: 'Name, role, the non-secret prefix and when each key was last used.',
  })
  @ApiOkResponse({ type: [ApiKeyDto], description: 'Every API key' })
  async list(): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list()).map(ApiKeyDto.from);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Requests with the key are refused (401) from now on.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The API key id (not the key)' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; the key stops working at once' })
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No such API key' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.apiKeys.revoke(id);
  }
}
