import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AppSettingsDto, AppSettingsResponseDto } from '../dto/settings.dto.js';
import { AppSettingsEntity } from './app-settings.entity.js';

/**
 * Per-app sync settings: which tables publish their changes on the event bus, and whether
 * pulls answer in mana-sync's shape too.
 */
@Injectable()
export class AppSettingsService {
  constructor(
    @InjectRepository(AppSettingsEntity) private readonly settings: Repository<AppSettingsEntity>,
  ) {}

  async get(appId: string): Promise<AppSettingsResponseDto> {
    const row = await this.settings.findOneBy({ appId });
    return {
      appId,
      publishTables: row?.publishTables ?? [],
      manaSyncPull: row?.manaSyncPull ?? false,
    };
  }

  /** Replaces the settings: what the body leaves out takes its default. */
  async put(appId: string, dto: AppSettingsDto): Promise<AppSettingsResponseDto> {
    const tables = [...new Set(dto.publishTables)].sort();
    const manaSyncPull = dto.manaSyncPull ?? false;
    await this.settings.upsert({ appId, publishTables: tables, manaSyncPull }, ['appId']);
    return { appId, publishTables: tables, manaSyncPull };
  }
}
