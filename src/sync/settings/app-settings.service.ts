import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AppSettingsResponseDto } from '../dto/settings.dto.js';
import { AppSettingsEntity } from './app-settings.entity.js';

/** Per-app sync settings; today which tables publish their changes on the event bus. */
@Injectable()
export class AppSettingsService {
  constructor(
    @InjectRepository(AppSettingsEntity) private readonly settings: Repository<AppSettingsEntity>,
  ) {}

  async get(appId: string): Promise<AppSettingsResponseDto> {
    const row = await this.settings.findOneBy({ appId });
    return { appId, publishTables: row?.publishTables ?? [] };
  }

  async put(appId: string, publishTables: string[]): Promise<AppSettingsResponseDto> {
    const tables = [...new Set(publishTables)].sort();
    await this.settings.upsert({ appId, publishTables: tables }, ['appId']);
    return { appId, publishTables: tables };
  }
}
