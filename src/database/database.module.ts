import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseConfig } from '../config/index.js';
import { migrations } from '../../migrations/index.js';
import { AfterCommit } from './after-commit.js';
import { DatabaseLiveness } from './database-liveness.js';
import { DatabaseLivenessModule } from './database-liveness.module.js';
import { runMigrations } from './migrations.js';
import { PgListener } from './pg-listener.js';
import { poolOptions } from './pool-options.js';

/**
 * The TypeORM connection. Pending migrations are applied (advisory-locked) before the
 * DataSource is created, so no module ever starts against an old schema.
 */
@Global()
@Module({
  imports: [
    DatabaseLivenessModule,
    TypeOrmModule.forRootAsync({
      imports: [DatabaseLivenessModule],
      inject: [ConfigService, DatabaseLiveness],
      useFactory: async (config: ConfigService, liveness: DatabaseLiveness) => {
        const db = config.getOrThrow<DatabaseConfig>('database');
        await runMigrations(db.url);
        return {
          type: 'postgres' as const,
          url: db.url,
          autoLoadEntities: true,
          synchronize: false,
          migrations,
          migrationsRun: false,
          extra: poolOptions(db, liveness.socketFactory),
          logging: false,
        };
      },
    }),
  ],
  providers: [PgListener, AfterCommit],
  exports: [PgListener, AfterCommit, DatabaseLivenessModule],
})
export class DatabaseModule {}
