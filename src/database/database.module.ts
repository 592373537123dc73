import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseConfig } from '../config/index.js';
import { migrations } from '../../migrations/index.js';
import { runMigrations } from './migrations.js';
import { PgListener } from './pg-listener.js';

/**
 * The TypeORM connection. Pending migrations are applied (advisory-locked) before the
 * DataSource is created, so no module ever starts against an old schema.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: async (config: ConfigService) => {
        const db = config.getOrThrow<DatabaseConfig>('database');
        await runMigrations(db.url);
        return {
          type: 'postgres' as const,
          url: db.url,
          autoLoadEntities: true,
          synchronize: false,
          migrations,
          migrationsRun: false,
          extra: { max: db.poolSize, application_name: 'integration-hub' },
          logging: false,
        };
      },
    }),
  ],
  providers: [PgListener],
  exports: [PgListener],
})
export class DatabaseModule {}
