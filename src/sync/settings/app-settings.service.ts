import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppSettingsResponseDto } from '../dto/settings.dto.js';

/** Per-app sync settings; today which tables publish their changes on the event bus. */
@Injectable()
export class AppSettingsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(appId: string): Promise<AppSettingsResponseDto> {
    const [row]: { publish_tables: string[] }[] = await this.dataSource.query(
      `SELECT publish_tables FROM sync_app_settings WHERE app_id = $1`,
      [appId],
    );
    return { appId, publishTables: row?.publish_tables ?? [] };
  }

  async put(appId: string, publishTables: string[]): Promise<AppSettingsResponseDto> {
    const tables = [...new Set(publishTables)].sort();
    await this.dataSource.query(
      `INSERT INTO sync_app_settings (app_id, publish_tables) VALUES ($1, $2)
       ON CONFLICT (app_id) DO UPDATE SET publish_tables = EXCLUDED.publish_tables, updated_at = now()`,
      [appId, tables],
    );
    return { appId, publishTables: tables };
  }
}
