import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/audience.decorator.js';
import { StorageDto } from './dto/storage.dto.js';
import { StorageService } from './storage.service.js';

@ApiTags('Storage')
@AdminOnly()
@Controller('admin/storage')
export class StorageController {
  constructor(private readonly storage: StorageService) {}

  @Get()
  @ApiOperation({
    summary: 'Per table that grows with traffic: rows, bytes, oldest row, retention, last prune',
    description:
      'Every table of the retention registry: its estimated rows and total size from the ' +
      'catalog, the age of its oldest row, the setting and value of its retention, the ' +
      'schedule that prunes it and the last prune of `storage.maintenance` (time, rows ' +
      'removed, whether it caught up). The same numbers are on /metrics as `hub_table_*`.',
  })
  @ApiOkResponse({ type: StorageDto, description: 'Every registered table' })
  view(): Promise<StorageDto> {
    return this.storage.view();
  }
}
